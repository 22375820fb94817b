package io.flare.iem.credentialcheck;

import static io.flare.iem.credentialcheck.StoredCheck.Outcome.DENIED;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.INVALID;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.VALID;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.exposure.Exposures;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.okta.AuthnOutcome;
import io.flare.iem.storage.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * After the fence admitted an attempt: the one authn call it allows, never retried, and its
 * answer stored in one transaction with the attempt's result and its audit row: VALID (with the
 * mitigation the integration's mode asks for, applied at once in AUTOMATED mode), INVALID,
 * LOCKED_OUT, DENIED, PENDING or UNVERIFIED (no answer or an ambiguous one: counted as a failure
 * for the lockout budget, retried later with backoff, never reported INVALID). A 401 is first
 * explained by Okta's System Log ({@link AuthnConfirmation}): INVALID (confirmed or not),
 * LOCKED_OUT, or DENIED (the password stays untested). A decided check's sealed password is erased
 * by the statement that decides it.
 *
 * <p>An attempt counts against the identity's daily cap and lifetime budget only when Okta may
 * have evaluated the password. A call Okta refused before that (429 of the org's bucket or of its
 * per-username throttle, 403 for our address) is recorded, attempt and audit row with Okta's
 * request id, but released: it no longer counts in Postgres, its Redis reservation is given back,
 * and the check waits (PENDING) until the reset or the next probe. A call not sent at all is
 * released the same way, without a record.
 */
final class AuthnCall {

  /** What an answer changes besides the attempt row, in its transaction: the mitigation it planned, if any. */
  private interface Effects {
    Future<Mitigator.Planned> apply(SqlClient tx);
  }

  private static final Effects NO_EFFECTS = tx -> Future.succeededFuture(Mitigator.Planned.NONE);

  private record Recorded(CheckRepository.Result decision, Mitigator.Planned mitigation) {}

  /**
   * Okta answered (or may have) and the answer could not be stored, Postgres staying down longer
   * than the retries allow: the check keeps its lease and its RESERVED attempt, and whoever holds it
   * next settles that attempt instead of sending the password again ({@link AttemptFence}).
   */
  static final class AnswerNotStored extends RuntimeException {
    AnswerNotStored(Throwable cause) {
      super("an authn answer could not be stored: " + StoreErrors.describe(cause), cause, false, false);
    }
  }

  /** How long an answer's storing is retried while Postgres is down. */
  static final Duration STORE_RETRY_FOR = Duration.ofSeconds(60);

  private final Vertx vertx;
  private final Pool pool;
  private final CheckRepository checks;
  private final AttemptRepository attempts;
  private final DailyCap cap;
  private final FreshUsers users;
  private final Mitigator mitigator;
  private final LockoutNotes lockouts;
  private final CheckMetrics metrics;
  private final Clock clock;
  private final CheckSettings settings;
  private final AuthnConfirmation confirmation;
  private final Exposures exposures;

  AuthnCall(Vertx vertx, Pool pool, CheckRepository checks, AttemptRepository attempts, DailyCap cap, FreshUsers users,
      Mitigator mitigator, LockoutNotes lockouts, CheckMetrics metrics, Clock clock, CheckSettings settings,
      AuthnConfirmation confirmation, Exposures exposures) {
    this.exposures = exposures;
    this.vertx = vertx;
    this.pool = pool;
    this.checks = checks;
    this.attempts = attempts;
    this.cap = cap;
    this.users = users;
    this.mitigator = mitigator;
    this.lockouts = lockouts;
    this.metrics = metrics;
    this.clock = clock;
    this.settings = settings;
    this.confirmation = confirmation;
  }

  /**
   * Makes the call admitted as attempt {@code attemptId} of local day {@code day}, if Redis still
   * holds the counter that granted it (no Redis, no call), and stores what Okta answered.
   */
  Future<CheckPipeline.Step> make(Candidate c, LocalDate day, long attemptId) {
    return cap.confirm(c.tenantId(), c.identityId(), day)
        .otherwise(false)
        .compose(present -> present
            ? c.org().authn(c.user().login(), c.work().password(), c.work().abandon())
                .compose(outcome -> confirmation.confirm(c.org(), c.identity().oktaUserId(), outcome))
                .compose(outcome -> answered(c, day, attemptId, outcome))
            : attempts.releaseUnsent(pool, c.tenantId(), attemptId, c.work().leaseOwner())
                .map(ignored -> waiting(new Verdict.Queue("Redis became unavailable or lost the daily counter before"
                    + " the call; no attempt was made, retried when it is back", clock.instant().plus(settings.shortWait())))));
  }

  /** Every answer authn can give, in one exhaustive switch. */
  private Future<CheckPipeline.Step> answered(Candidate c, LocalDate day, long attemptId, AuthnOutcome outcome) {
    Instant now = clock.instant();
    return switch (outcome.kind()) {
      case NOT_SENT -> notSent(c, day, attemptId, (AuthnOutcome.NotSent) outcome);
      case VALID -> record(c, day, attemptId, outcome, tx -> tested(tx, c, now, true)
              .compose(ignored -> mitigator.plan(tx, c.check(), c.identity().oktaUserId(), c.user().login(),
                  c.work().actor(), now))
              .compose(planned -> exposures.validFound(tx, finding(c, planned, now)).map(planned)),
          planned -> new CheckRepository.Result(VALID, null, "Okta accepted the password ("
              + ((AuthnOutcome.Valid) outcome).status() + ")" + planned.note(), null, now))
          .onSuccess(stored -> exposures.afterCommit());
      case INVALID -> invalid(c, day, attemptId, (AuthnOutcome.Invalid) outcome, now);
      case DENIED -> record(c, day, attemptId, outcome, NO_EFFECTS,
          planned -> new CheckRepository.Result(DENIED, null, "Okta denied the sign-in without saying whether the"
              + " password is right (" + ((AuthnOutcome.Denied) outcome).reason() + "); the password is left untested,"
              + " a new leak of it is tried again", null, now));
      case LOCKED_OUT -> record(c, day, attemptId, outcome,
          tx -> lockouts.fromAuthn(tx, c, outcome.requestId(), now).map(Mitigator.Planned.NONE),
          planned -> new Verdict.LockedOut("Okta says the user is locked out").result(now));
      case RATE_LIMITED -> notEvaluated(c, day, attemptId, outcome,
          rateLimited((AuthnOutcome.RateLimited) outcome, now));
      case BLOCKED -> notEvaluated(c, day, attemptId, outcome, new Verdict.Queue("Okta refused the attempt from this"
          + " service's address (HTTP 403: ThreatInsight or a blocked network zone) before reading the password; not"
          + " counted; the org's checks wait and resume once a probe gets through",
          now.plus(((AuthnOutcome.Blocked) outcome).retryIn())));
      case UNKNOWN -> record(c, day, attemptId, outcome, NO_EFFECTS,
          planned -> new Verdict.Unverified("Okta's answer was missing or ambiguous ("
              + ((AuthnOutcome.Unknown) outcome).reason() + "); counted as a failed attempt for the lockout budget"
              + " and retried later", now.plus(settings.unverifiedBackoff(c.check().unverifiedCount()))).result(now));
    };
  }

  /** The valid password as its exposure case records it (issue 16): the leak, never the password. */
  private static Exposures.Finding finding(Candidate c, Mitigator.Planned planned, Instant now) {
    StoredCheck check = c.check();
    return new Exposures.Finding(c.tenantId(), c.identityId(), c.identity().oktaUserId(), c.identity().login(),
        c.user().email(), check.id(), now, check.leakId(), check.leakSource(), check.leakSourceKind(),
        check.leakedTime(), planned.created().map(StoredMitigation::id).orElse(null));
  }

  private static Verdict.Queue rateLimited(AuthnOutcome.RateLimited limited, Instant now) {
    return new Verdict.Queue(limited.perUsername()
        ? "Okta's per-username throttle refused the attempt (HTTP 429: at most 4 sign-ins a second for one username,"
            + " likely someone else signing in as this user); not counted, queued until its reset"
        : "Okta rate-limited the attempt (HTTP 429); not counted, queued until the window resets",
        now.plus(untilReal(limited.retryAfter())));
  }

  /**
   * Okta saw nothing: the attempt is RELEASED and the day's count given back, and the check waits:
   * due at once for another replica when this one is stopping, shortly when the call waited for the
   * org's rate limit as long as its lease allows, or until Okta's per-username
   * throttle lets the username go, or until the next probe of an org that refuses our address.
   */
  private Future<CheckPipeline.Step> notSent(Candidate c, LocalDate day, long attemptId, AuthnOutcome.NotSent why) {
    return attempts.releaseUnsent(pool, c.tenantId(), attemptId, c.work().leaseOwner())
        .compose(ignored -> cap.release(c.tenantId(), c.identityId(), day))
        .map(ignored -> waiting(c.work().pastLeaseBound() && why.why() == AuthnOutcome.NotSent.Why.ABANDONED
            ? new Verdict.Queue("not tried yet: the call waited for the org's authn rate limit until too late for"
                + " this check's lease (sent later, its answer could outlast the lease and another replica send the"
                + " password again); queued", clock.instant().plus(settings.shortWait()))
            : waitFor(why, clock.instant())));
  }

  /** How a check waits when authn would not (or did not) send its call. */
  static Verdict.Queue waitFor(AuthnOutcome.NotSent notSent, Instant now) {
    return switch (notSent.why()) {
      case ABANDONED -> new Verdict.Queue("not tried yet: the replica deciding it stopped before the call was sent;"
          + " queued", now);
      case USERNAME_THROTTLED -> new Verdict.Queue("not tried yet: Okta's per-username throttle holds this username"
          + " back (at most 4 sign-ins a second for one username, likely someone else signing in as this user); queued"
          + " until its reset", now.plus(notSent.retryIn()));
      case ORG_BLOCKED -> new Verdict.Queue("not tried yet: Okta refuses authn calls from this service's address"
          + " (HTTP 403: ThreatInsight or a blocked network zone); the org's checks wait and resume once a probe gets"
          + " through", now.plus(notSent.retryIn()));
    };
  }

  /**
   * Okta answered without evaluating the password: the call is recorded with what Okta said, but
   * the attempt stops counting for the check, the day and the budget, and today's Redis
   * reservation is given back.
   */
  private Future<CheckPipeline.Step> notEvaluated(Candidate c, LocalDate day, long attemptId, AuthnOutcome outcome,
      Verdict.Queue wait) {
    return record(c, day, attemptId, outcome,
            tx -> attempts.uncount(tx, c.tenantId(), attemptId, c.work().leaseOwner()).map(Mitigator.Planned.NONE),
            planned -> wait.result(clock.instant()))
        .compose(step -> cap.release(c.tenantId(), c.identityId(), day).map(step));
  }

  private Future<CheckPipeline.Step> record(Candidate c, LocalDate day, long attemptId, AuthnOutcome outcome,
      Effects effects, Function<Mitigator.Planned, CheckRepository.Result> decision) {
    users.forget(c.org(), c.identity().oktaUserId()); // the attempt may change what Okta says of the user
    String result = outcome.kind().name();
    metrics.authn(result);
    Future<Recorded> stored = storing(() -> pool.withTransaction(tx -> attempts.setResult(tx, c.tenantId(), attemptId, result,
            outcome.requestId())
        .compose(ignored -> AuditLog.append(tx, new AuditLog.Event(c.tenantId(), "credential_check.authn",
            c.work().actor(), c.identityId(), outcome.requestId(), result, new JsonObject()
                .put("check_id", c.check().id().toString()).put("attempt_id", attemptId)
                .put("local_date", day.toString()))))
        .compose(ignored -> effects.apply(tx))
        .compose(planned -> {
          CheckRepository.Result r = decision.apply(planned);
          return checks.finish(tx, c.check(), c.work().leaseOwner(), r).map(new Recorded(r, planned));
        })), System.nanoTime() + Math.min(STORE_RETRY_FOR.toNanos(), settings.leaseSeconds() * 500_000_000L), 0);
    return stored.compose(recorded -> {
      CheckPipeline.Step step = CheckPipeline.Step.stored(recorded.decision());
      if (recorded.mitigation().created().isEmpty()) {
        return Future.succeededFuture(step);
      }
      StoredMitigation created = recorded.mitigation().created().get();
      metrics.mitigationCreated();
      return created.mode() == Integration.MitigationMode.AUTOMATED && !created.heldForApproval()
          ? mitigator.applyNew(created, c.integration()).map(step)
          : Future.succeededFuture(step);
    });
  }

  /**
   * Stores an answer, trying again while Postgres is down until {@code deadlineNanos}; then fails
   * with {@link AnswerNotStored}, never with a failure a caller could take for "nothing was sent".
   */
  private <T> Future<T> storing(Supplier<Future<T>> store, long deadlineNanos, int tries) {
    return store.get().recover(error -> {
      if (!StoreErrors.isUnavailable(error) || System.nanoTime() > deadlineNanos) {
        return Future.failedFuture(new AnswerNotStored(error));
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(Math.min(5_000, 250L << Math.min(tries, 5)), id -> later.complete());
      return later.future().compose(v -> storing(store, deadlineNanos, tries + 1));
    });
  }

  /**
   * A 401: INVALID, the password tested. Confirmed by the System Log, for good (until it changes);
   * unconfirmed, a new leak of it is tried again after {@code unconfirmedRetry}.
   */
  private Future<CheckPipeline.Step> invalid(Candidate c, LocalDate day, long attemptId, AuthnOutcome.Invalid outcome,
      Instant now) {
    String detail = outcome.confirmed() ? "Okta rejected the password (confirmed: " + outcome.note() + ")"
        : "Okta rejected the password; not confirmed (" + (outcome.note() == null ? "the System Log was not read"
            : outcome.note()) + "): a new leak of it is tried again after " + settings.unconfirmedRetry().toDays()
            + " days";
    return record(c, day, attemptId, outcome, tx -> tested(tx, c, now, outcome.confirmed()).map(Mitigator.Planned.NONE),
        planned -> new CheckRepository.Result(INVALID, null, detail, null, now));
  }

  /** The password is tried: ALREADY_TESTED for this identity until its next change (if unconfirmed, for a while). */
  private Future<Void> tested(SqlClient tx, Candidate c, Instant now, boolean confirmed) {
    return attempts.markTested(tx, c.tenantId(), c.identityId(), c.work().fingerprint(), now, confirmed);
  }

  private CheckPipeline.Step waiting(Verdict.Stop verdict) {
    return CheckPipeline.Step.toStore(verdict.result(clock.instant()));
  }

  /** How long from now a real-clock instant is (Okta's rate-limit reset), between 1 s and 5 min. */
  private static Duration untilReal(Instant realInstant) {
    long millis = realInstant == null ? 60_000 : realInstant.toEpochMilli() - System.currentTimeMillis();
    return Duration.ofMillis(Math.max(1_000, Math.min(300_000, millis)));
  }
}
