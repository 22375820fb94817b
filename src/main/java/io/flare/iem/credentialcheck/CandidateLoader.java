package io.flare.iem.credentialcheck;

import io.flare.iem.failure.Failure;
import io.flare.iem.identitysync.IdentityRepository;
import io.flare.iem.identitysync.IdentityRepository.IdentityState;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Instant;

/**
 * What the gates judge, gathered: the tenant's Okta org, the identity as identity sync stores it
 * and the user as Okta shows it now ({@link FreshUsers}), written back to the identity. Stops
 * before any gate when the integration is not Okta's or its domain unusable (UNVERIFIED), the
 * identity or the Okta user is gone (NOT_FOUND), or Okta cannot be asked now (UNVERIFIED; PENDING
 * for a check decided inline that would wait for the org's read budget).
 */
final class CandidateLoader {

  private final Pool pool;
  private final TenantContexts contexts;
  private final IdentityRepository identities;
  private final AttemptRepository attempts;
  private final FreshUsers users;
  private final Clock clock;
  private final CheckSettings settings;

  CandidateLoader(Pool pool, TenantContexts contexts, IdentityRepository identities, AttemptRepository attempts,
      FreshUsers users, Clock clock, CheckSettings settings) {
    this.pool = pool;
    this.contexts = contexts;
    this.identities = identities;
    this.attempts = attempts;
    this.users = users;
    this.clock = clock;
    this.settings = settings;
  }

  /** A {@link Candidate}, or the verdict that stops the check before the gates. */
  Future<CheckPipeline.Loaded> load(CheckPipeline.Work work, TenantContexts.TenantContext tenant, Instant now) {
    Integration integration = tenant.integration();
    if (integration.kind() != Integration.Kind.OKTA) {
      return stop(new Verdict.Gone("the tenant's integration is not an Okta integration"));
    }
    if (work.check().identityId() == null) {
      return stop(new Verdict.Gone("the identity was removed since the check was received"));
    }
    OktaOrg org;
    try {
      org = contexts.org(integration);
    } catch (Failure e) {
      return stop(unverified(work, "the integration's Okta domain is not usable: " + e.getMessage()));
    }
    return identities.state(pool, work.check().tenantId(), work.check().identityId()).compose(identity -> identity
        .map(found -> freshUser(work, tenant, org, found, now))
        .orElseGet(() -> stop(new Verdict.Gone("the identity was removed by a sync since the check was received"))));
  }

  private Future<CheckPipeline.Loaded> freshUser(CheckPipeline.Work work, TenantContexts.TenantContext tenant,
      OktaOrg org, IdentityState identity, Instant now) {
    String userId = identity.oktaUserId();
    if (work.inline() && !users.cached(org, userId) && !org.hasRoom(Bucket.USER_READ)) {
      return stop(new Verdict.Queue("queued behind the org's Okta read budget", now));
    }
    return users.get(org, userId).transform(read -> {
      if (read.failed()) {
        return stop(unverified(work, "Okta could not be asked for the user's status: " + reason(read.cause())));
      }
      if (read.result().isEmpty()) {
        return stop(new Verdict.Gone("the user no longer exists in Okta"));
      }
      var user = read.result().get();
      String tenantId = work.check().tenantId();
      return identities.refresh(pool, tenantId, identity.id(), user.status(), user.lastLogin(), user.passwordChanged())
          .map(ignored -> new Candidate(work, tenant.integration(), tenant.settings().timeZone(), org, identity, user,
              now, this::readAttempts));
    });
  }

  private Future<AttemptRepository.Counts> readAttempts(Candidate c) {
    return attempts.counts(pool, c.tenantId(), c.identityId(), c.today(), c.budgetWindowStart());
  }

  private Verdict.Unverified unverified(CheckPipeline.Work work, String why) {
    return new Verdict.Unverified(why + "; retried later",
        clock.instant().plus(settings.unverifiedBackoff(work.check().unverifiedCount())));
  }

  private static Future<CheckPipeline.Loaded> stop(Verdict.Stop verdict) {
    return Future.succeededFuture(verdict);
  }

  private static String reason(Throwable error) {
    if (error instanceof OktaException || error instanceof Failure) {
      return error.getMessage();
    }
    return error.getClass().getSimpleName();
  }
}
