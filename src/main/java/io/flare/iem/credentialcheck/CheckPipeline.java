package io.flare.iem.credentialcheck;

import io.flare.iem.failure.Failure;
import io.flare.iem.storage.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides one credential check, as far as it can now, and stores the decision: "the check". Read
 * top to bottom, it is the README's list:
 * <ol>
 *   <li>load the {@link Candidate}: the identity, and the user as Okta shows it now
 *       ({@link CandidateLoader});</li>
 *   <li>the gates, in order, the first that stops the check deciding it:
 *       {@link InactiveUserGate}, {@link StaleLeakGate}, {@link AlreadyTestedGate},
 *       {@link LifetimeBudgetGate}, {@link UserBlockGate} (Identity Engine orgs: Okta blocks the
 *       user for unknown devices), {@link DailyCapGate} (which reserves one of today's attempts
 *       in Redis), {@link OrgAuthnShareGate}, and the {@link AttemptFence} (which records the
 *       attempt under the identity's lock);</li>
 *   <li>exactly one authn call, a 401 explained by Okta's System Log, and the answer stored
 *       ({@link AuthnCall}).</li>
 * </ol>
 * Nothing reaches Okta unless every gate lets it through. A reservation that does not lead to a
 * call is given back. A down Redis or Postgres means no attempt: the check waits.
 */
final class CheckPipeline {

  private static final Logger LOG = LoggerFactory.getLogger(CheckPipeline.class);

  /**
   * One check to decide, held under {@code leaseOwner}. The password is only ever in memory. When
   * {@code abandon} completes while the authn call waits for the org's rate limit, the call is not
   * sent: the reservation is given back and the check waits again.
   */
  record Work(StoredCheck check, String password, byte[] fingerprint, String leaseOwner, String actor,
      Mode mode, Future<Void> abandon, Future<Void> leaseBound) {

    Work(StoredCheck check, String password, byte[] fingerprint, String leaseOwner, String actor, Mode mode,
        Future<Void> abandon) {
      this(check, password, fingerprint, leaseOwner, actor, mode, abandon, Promise.<Void>promise().future());
    }

    boolean inline() {
      return mode == Mode.INLINE;
    }

    /**
     * The same work, its call also given up while unsent once {@code leaseEnding} completes: the
     * latest moment a call may go out and its answer still be stored under this lease.
     */
    Work boundedBy(Future<Void> leaseEnding) {
      Future<Void> either = Future.any(abandon, leaseEnding).mapEmpty();
      return new Work(check, password, fingerprint, leaseOwner, actor, mode, either, leaseEnding);
    }

    /** The call was given up because it would have gone out too late for this lease. */
    boolean pastLeaseBound() {
      return leaseBound.isComplete();
    }
  }

  /** Who decides: CheckCredential while it answers (it queues rather than wait), or a queue worker. */
  enum Mode { INLINE, WORKER }

  /** What loading a check gives the gates: a {@link Candidate}, or the verdict that stopped it already. */
  sealed interface Loaded permits Candidate, Verdict.Stop {}

  /** What a decision came to: the check's row, and whether it is stored already (with its attempt). */
  record Step(CheckRepository.Result result, boolean isStored) {

    /** The integration was deleted, and its waiting checks with it: nothing to store. */
    static final Step NOTHING = new Step(null, true);

    static Step toStore(CheckRepository.Result result) {
      return new Step(result, false);
    }

    static Step stored(CheckRepository.Result result) {
      return new Step(result, true);
    }
  }

  private final Vertx vertx;
  private final Pool pool;
  private final CheckRepository checks;
  private final TenantContexts contexts;
  private final CandidateLoader loader;
  private final List<Gate> gatesToTheCap;
  private final OrgAuthnShareGate orgAuthnShare;
  private final AttemptFence fence;
  private final AuthnCall call;
  private final DailyCap cap;
  private final LockoutNotes lockouts;
  private final CheckMetrics metrics;
  private final Clock clock;
  private final CheckSettings settings;

  /**
   * @param gatesToTheCap the gates in order, the last one the {@link DailyCapGate}: it answers a
   *     stop or {@link Verdict.Reserved}, never PROCEED
   */
  CheckPipeline(Vertx vertx, Pool pool, CheckRepository checks, TenantContexts contexts, CandidateLoader loader,
      List<Gate> gatesToTheCap, OrgAuthnShareGate orgAuthnShare, AttemptFence fence,
      AuthnCall call, DailyCap cap, LockoutNotes lockouts, CheckMetrics metrics, Clock clock,
      CheckSettings settings) {
    this.vertx = vertx;
    this.pool = pool;
    this.checks = checks;
    this.contexts = contexts;
    this.loader = loader;
    this.gatesToTheCap = List.copyOf(gatesToTheCap);
    this.orgAuthnShare = orgAuthnShare;
    this.fence = fence;
    this.call = call;
    this.cap = cap;
    this.lockouts = lockouts;
    this.metrics = metrics;
    this.clock = clock;
    this.settings = settings;
  }

  /**
   * Decides what can be decided now and stores it, releasing the lease. Fails only when the
   * decision cannot be stored (Postgres down): the check is then handed back as soon as Postgres
   * answers again, or taken again when the lease expires.
   */
  Future<Void> decide(Work held) {
    Instant now = clock.instant();
    // the call may wait for the org's rate limit only as long as its answer can still be stored
    // under this lease; later it is not sent, and the check waits (no second replica, no second call)
    Promise<Void> leaseEnding = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, settings.callWaitBound().toMillis()), id -> leaseEnding.tryComplete());
    Work work = held.boundedBy(leaseEnding.future());
    return contexts.get(work.check().tenantId())
        .compose(tenant -> tenant.isEmpty()
            ? Future.succeededFuture(Step.NOTHING)
            : loader.load(work, tenant.get(), now)
                .compose(loaded -> loaded instanceof Candidate c ? throughTheGates(c)
                    : stopped(null, (Verdict.Stop) loaded))
                // before any call: the check waits; after one, its answer is not replaced by a wait
                .recover(error -> error instanceof AuthnCall.AnswerNotStored ? Future.failedFuture(error)
                    : Future.succeededFuture(Step.toStore(waitAfter(work, error).result(now)))))
        .compose(step -> store(work, step))
        .onComplete(ignored -> vertx.cancelTimer(timer))
        .onFailure(error -> {
          // a check whose call went out keeps its lease: the next holder settles the attempt (AttemptFence)
          if (StoreErrors.isUnavailable(error) && !(error instanceof AuthnCall.AnswerNotStored)) {
            handBackWhenStoreIsBack(work, 0);
          }
        });
  }

  /**
   * The gates up to the daily cap, the last of which reserves one of today's attempts; from there
   * on, a stop gives the reservation back.
   */
  private Future<Step> throughTheGates(Candidate c) {
    return Gate.inOrder(c, gatesToTheCap)
        .compose(verdict -> verdict instanceof Verdict.Reserved reserved ? holding(c, reserved.day())
            : stopped(c, (Verdict.Stop) verdict));
  }

  /** One of today's attempts is held in Redis: the org's share, the fence, then the call. */
  private Future<Step> holding(Candidate c, LocalDate day) {
    return Gate.traced(orgAuthnShare, c).compose(share -> share instanceof Verdict.Stop stop
        ? giveBack(c, day).compose(ignored -> stopped(c, stop))
        : fence.enter(c, day).transform(entered -> {
          if (entered.failed()) {
            return giveBack(c, day).compose(ignored -> Future.failedFuture(entered.cause()));
          }
          if (entered.result() instanceof AttemptFence.Admitted admitted) {
            return call.make(c, day, admitted.attemptId());
          }
          AttemptFence.Refused refused = (AttemptFence.Refused) entered.result();
          return (refused.reservation() == AttemptFence.Reservation.RELEASE ? giveBack(c, day)
              : Future.<Void>succeededFuture()).compose(ignored -> stopped(c, refused.verdict()));
        }));
  }

  private Future<Void> giveBack(Candidate c, LocalDate day) {
    return cap.release(c.tenantId(), c.identityId(), day);
  }

  /** A gate stopped the check ({@code c} null when it stopped before the gates). */
  private Future<Step> stopped(Candidate c, Verdict.Stop stop) {
    if (stop instanceof Verdict.Throttle throttle) {
      metrics.throttled(throttle.reason());
    }
    Future<Void> noted = stop instanceof Verdict.LockedOut lockedOut
        ? lockouts.fromStatus(pool, c, lockedOut.why())
        : Future.succeededFuture();
    return noted.map(ignored -> Step.toStore(stop.result(clock.instant())));
  }

  private Future<Void> store(Work work, Step step) {
    Future<Boolean> stored = step.isStored() ? Future.succeededFuture(step.result() != null)
        : checks.finish(pool, work.check(), work.leaseOwner(), step.result());
    return stored.onSuccess(done -> {
      if (done) {
        metrics.decided(step.result());
      }
    }).mapEmpty();
  }

  /** A dependency failed before any call: the check waits (fail closed), never lost. */
  private Verdict.Queue waitAfter(Work work, Throwable error) {
    Instant next = clock.instant().plus(settings.shortWait());
    if (error instanceof Failure.Unavailable unavailable && "REDIS_UNAVAILABLE".equals(unavailable.reason())) {
      return new Verdict.Queue("Redis is unavailable: no attempt until it is back (the daily cap fails closed)", next);
    }
    if (StoreErrors.isUnavailable(error)) {
      return new Verdict.Queue(StoreErrors.describe(error) + ": no attempt until it is back", next);
    }
    LOG.atError().addKeyValue("tenant_id", work.check().tenantId()).addKeyValue("check_id", work.check().id())
        .setCause(error).log("credential check failed unexpectedly; retried later");
    return new Verdict.Queue("an internal error interrupted the check; retried later",
        clock.instant().plus(settings.unverifiedMax()));
  }

  /**
   * The decision could not be stored because Postgres was down: as soon as it answers again, give
   * the check back (release the lease) so a worker takes it at once instead of when the lease
   * expires. Nothing was sent to Okta under this lease unless an attempt was recorded first, and a
   * recorded attempt counts for the cap and the budget either way.
   */
  private void handBackWhenStoreIsBack(Work work, int tries) {
    long delay = Math.min(5_000, 250L << Math.min(tries, 5));
    if ((tries + 1) * 5_000L > settings.leaseSeconds() * 1000L) {
      return; // the lease is about to expire: a worker takes the check then
    }
    vertx.setTimer(delay, id -> checks.unclaim(pool, List.of(work.check()), work.leaseOwner())
        .onFailure(stillDown -> handBackWhenStoreIsBack(work, tries + 1)));
  }
}
