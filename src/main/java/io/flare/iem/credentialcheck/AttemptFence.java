package io.flare.iem.credentialcheck;

import io.flare.iem.identitysync.IdentityRepository;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.audit.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * The last gate, and the one the cap's invariant rests on: one Postgres transaction that locks the
 * identity's row (through identity sync), then, with the integration's limits as they are now,
 * counts the day's attempts and the budget's failures again and records the attempt (RESERVED)
 * before any call. Two checks of one identity pass it one at a time, so whatever Redis did, no two
 * calls can both see room for one. It also refuses a password another check tried since the last
 * change (an unconfirmed 401 only for {@code unconfirmedRetry}, as {@link AlreadyTestedGate}), or is
 * trying right now.
 */
final class AttemptFence {

  /** What the fence answered. */
  sealed interface Answer {}

  /** The attempt is recorded: exactly one authn call may be made under it. */
  record Admitted(long attemptId) implements Answer {}

  /** No attempt: the check stops with {@code verdict}; Redis's reservation is given back or kept. */
  record Refused(Verdict.Stop verdict, Reservation reservation) implements Answer {}

  /** What becomes of the Redis reservation that let a refused check reach the fence. */
  enum Reservation {
    /** Given back: it will not lead to a call. */
    RELEASE,
    /** Kept: Postgres counts the day full, and a counter that over-counts only makes the cap stricter. */
    KEEP
  }

  private final Pool pool;
  private final IdentityRepository identities;
  private final IntegrationRepository integrations;
  private final AttemptRepository attempts;
  private final CheckRepository checks;
  private final LifetimeBudgetGate budget;
  private final Clock clock;
  private final Duration shortWait;
  private final Duration lease;
  private final Duration unconfirmedRetry;

  AttemptFence(Pool pool, IdentityRepository identities, IntegrationRepository integrations, AttemptRepository attempts,
      CheckRepository checks, LifetimeBudgetGate budget, Clock clock, Duration shortWait, Duration lease,
      Duration unconfirmedRetry) {
    this.pool = pool;
    this.identities = identities;
    this.integrations = integrations;
    this.attempts = attempts;
    this.checks = checks;
    this.budget = budget;
    this.clock = clock;
    this.shortWait = shortWait;
    this.lease = lease;
    this.unconfirmedRetry = unconfirmedRetry;
  }

  /** Admits one attempt of local day {@code day}, or refuses it; fails only when Postgres does. */
  Future<Answer> enter(Candidate c, LocalDate day) {
    return pool.withTransaction(tx -> identities.lockState(tx, c.tenantId(), c.identityId())
        .compose(locked -> locked.isEmpty() ? gone() : attempts.settleLostAnswers(tx, c.tenantId(),
                c.identityId(), c.check().id())
            .compose(lost -> !lost.isEmpty() ? answerLost(tx, c, lost) : samePasswordTaken(tx, c)
                .compose(taken -> taken ? triedByAnother() : integrations.find(tx, c.tenantId())
                    .compose(integration -> integration.isEmpty() ? gone()
                        : withinLimits(tx, c, day, integration.get()))))));
  }

  /**
   * This check made a call under an earlier lease and its answer was never stored: the password
   * may have reached Okta, so it is not sent again. The attempt stays counted (UNKNOWN, like a
   * failure), the password is marked tested without a confirmed answer (a new leak of it is tried
   * after {@code unconfirmedRetry}), and the check ends ALREADY_TESTED saying so.
   */
  private Future<Answer> answerLost(SqlClient tx, Candidate c, List<Long> lost) {
    Instant now = clock.instant();
    return attempts.markTested(tx, c.tenantId(), c.identityId(), c.work().fingerprint(), now, false)
        .compose(ignored -> AuditLog.append(tx, new AuditLog.Event(c.tenantId(), "credential_check.authn_lost",
            c.work().actor(), c.identityId(), null, "UNKNOWN", new JsonObject()
                .put("check_id", c.check().id().toString()).put("attempt_ids", new JsonArray(lost)))))
        .map(ignored -> new Refused(new Verdict.Skip(StoredCheck.SkipReason.ALREADY_TESTED, ANSWER_LOST),
            Reservation.RELEASE));
  }

  static final String ANSWER_LOST = "this password was sent to Okta for this check before, and the answer was"
      + " never stored (the replica deciding it stopped, or Postgres failed while recording it): it is not sent"
      + " again; the attempt counts as a failure, and a new leak of the password is tried once the unconfirmed-retry"
      + " interval has passed";

  /**
   * Another check tried this password since the last change, or its call is in flight (an attempt
   * reserved less than a lease ago: one a crashed replica left behind stops counting once its
   * check could be taken over).
   */
  private Future<Boolean> samePasswordTaken(SqlClient tx, Candidate c) {
    return attempts.samePasswordTaken(tx, c.tenantId(), c.identityId(), c.check().id(), c.work().fingerprint(),
        c.user().passwordChanged(), clock.instant().minus(lease), clock.instant().minus(unconfirmedRetry));
  }

  /** Looked at again shortly: by then the other check's answer makes this one ALREADY_TESTED. */
  private Future<Answer> triedByAnother() {
    return Future.succeededFuture(new Refused(new Verdict.Queue(AlreadyTestedGate.SAME_PASSWORD_WAITS,
        clock.instant().plus(shortWait)), Reservation.RELEASE));
  }

  /** Counts again with the integration's limits as stored now, and records the attempt if they allow it. */
  private Future<Answer> withinLimits(SqlClient tx, Candidate c, LocalDate day, Integration limits) {
    int maxDaily = limits.maxDailyPasswordAttempts();
    int allowedFailures = LockoutBudget.of(limits.oktaLockoutThreshold(), maxDaily);
    return attempts.counts(tx, c.tenantId(), c.identityId(), day, c.budgetWindowStart()).compose(counts -> {
      if (counts.today() >= maxDaily) {
        return Future.succeededFuture(new Refused(DailyCapGate.spent(c, clock.instant()), Reservation.KEEP));
      }
      if (counts.failures() >= allowedFailures) {
        return Future.succeededFuture(new Refused(budget.spent(c, c.budget(), clock.instant()),
            Reservation.RELEASE));
      }
      return attempts.reserve(tx, c.tenantId(), c.identityId(), c.check().id(), day, clock.instant())
          .compose(attemptId -> checks.countAttempt(tx, c.check(), c.work().leaseOwner())
              .map(new Admitted(attemptId)));
    });
  }

  private static Future<Answer> gone() {
    return Future.succeededFuture(new Refused(new Verdict.Gone("the identity or integration was removed meanwhile"),
        Reservation.RELEASE));
  }
}
