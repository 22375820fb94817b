package io.flare.iem.credentialcheck;

import io.flare.iem.identitysync.IdentityRepository.IdentityState;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUser;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.UUID;
import java.util.function.Function;

/**
 * A check the gates judge: the work, the tenant's integration and calendar, its view of the Okta
 * org, the identity as stored and the user as Okta shows it now. Immutable; the identity's authn
 * attempts (today's, and failures in the lockout window) are read once, by the first gate that
 * asks for them.
 */
final class Candidate implements CheckPipeline.Loaded {

  private final CheckPipeline.Work work;
  private final Integration integration;
  private final ZoneId zone;
  private final OktaOrg org;
  private final IdentityState identity;
  private final OktaUser user;
  private final Instant now;
  private final Function<Candidate, Future<AttemptRepository.Counts>> readAttempts;
  private Future<AttemptRepository.Counts> attempts;

  Candidate(CheckPipeline.Work work, Integration integration, ZoneId zone, OktaOrg org, IdentityState identity,
      OktaUser user, Instant now, Function<Candidate, Future<AttemptRepository.Counts>> readAttempts) {
    this.work = work;
    this.integration = integration;
    this.zone = zone;
    this.org = org;
    this.identity = identity;
    this.user = user;
    this.now = now;
    this.readAttempts = readAttempts;
  }

  CheckPipeline.Work work() {
    return work;
  }

  StoredCheck check() {
    return work.check();
  }

  String tenantId() {
    return work.check().tenantId();
  }

  UUID identityId() {
    return work.check().identityId();
  }

  Integration integration() {
    return integration;
  }

  /** The tenant's time zone: its calendar days bound the daily cap. */
  ZoneId zone() {
    return zone;
  }

  OktaOrg org() {
    return org;
  }

  IdentityState identity() {
    return identity;
  }

  OktaUser user() {
    return user;
  }

  /** When the decision started. */
  Instant now() {
    return now;
  }

  LocalDate today() {
    return LocalDays.day(now, zone);
  }

  /** Failed attempts allowed between two sign-ins ({@link LockoutBudget#of}). */
  int budget() {
    return LockoutBudget.of(integration.oktaLockoutThreshold(), integration.maxDailyPasswordAttempts());
  }

  /** Since when failures count against the budget ({@link LockoutBudget#windowStart}). */
  Instant budgetWindowStart() {
    return LockoutBudget.windowStart(user.lastLogin(), user.status(), user.statusChanged(),
        identity.lockoutSeenTime());
  }

  /** Today's attempts and the failures in the budget's window, read once. Gates run on one context. */
  Future<AttemptRepository.Counts> attempts() {
    if (attempts == null) {
      attempts = readAttempts.apply(this);
    }
    return attempts;
  }
}
