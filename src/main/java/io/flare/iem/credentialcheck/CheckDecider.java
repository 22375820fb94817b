package io.flare.iem.credentialcheck;

import static io.flare.iem.credentialcheck.StoredCheck.Outcome.INVALID;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.LOCKED_OUT;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.NOT_FOUND;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.PENDING;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.SKIPPED;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.THROTTLED;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.UNVERIFIED;
import static io.flare.iem.credentialcheck.StoredCheck.Outcome.VALID;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.grpc.Failure;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.okta.AuthnOutcome;
import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUser;
import io.flare.iem.storage.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides one check, as far as it can now, and stores the decision. Nothing is tried against Okta
 * unless every earlier gate passes, in this order:
 * <ol>
 *   <li>the user as Okta sees it now ({@link FreshUsers}), stored on the identity: gone is
 *       NOT_FOUND, LOCKED_OUT stops, not ACTIVE/PASSWORD_EXPIRED/RECOVERY is SKIPPED INACTIVE;</li>
 *   <li>a password changed after the leak: SKIPPED STALE;</li>
 *   <li>this password already tried for the identity since its last change: SKIPPED
 *       ALREADY_TESTED (an earlier undecided check of the same password: wait for it);</li>
 *   <li>the lockout budget ({@link LockoutBudget}): THROTTLED until a sign-in or unlock;</li>
 *   <li>the daily cap ({@link DailyCap#reserve}): THROTTLED until the next local midnight;</li>
 *   <li>the org's authn budget (our share of Okta's authn rate limit): PENDING for an inline
 *       check, a wait in the org's rate limiter for a worker;</li>
 *   <li>the fence: a transaction under the identity's row lock re-counts today's attempts and the
 *       budget's failures and records the attempt (RESERVED) before the call;</li>
 *   <li>the Redis counter still there ({@link DailyCap#confirm}); then exactly one authn call,
 *       never retried under this reservation.</li>
 * </ol>
 * The answer is stored in one transaction with the attempt's result and its audit row: VALID
 * (and the mitigation the integration's mode asks for), INVALID, LOCKED_OUT, PENDING (Okta
 * rate-limited the call) or UNVERIFIED (no answer or an ambiguous one: counted as a failure for
 * the budget, retried later with backoff, never reported INVALID). A down Redis or Postgres
 * means no attempt: the check waits. A decided check's sealed password is erased in the same
 * statement that decides it.
 */
final class CheckDecider {

  private static final Logger LOG = LoggerFactory.getLogger(CheckDecider.class);
  private static final Set<String> TRIABLE = Set.of("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY");

  /**
   * One check to decide, held under {@code leaseOwner}. The password is only ever in memory. When
   * {@code abandon} (null for none) completes while the authn call waits for the org's rate limit,
   * the call is not sent: the reservation is given back and the check waits again.
   */
  record Work(StoredCheck check, String password, byte[] fingerprint, String leaseOwner, String actor,
      boolean inline, Future<Void> abandon) {}

  /** A decision step's outcome; {@code written} when it was already stored with the attempt. */
  private record Step(CheckRepository.Result result, boolean written) {}

  /** What is known while one check is decided. */
  private static final class Attempt {
    final Work work;
    final StoredCheck check;
    final TenantContexts.TenantContext context;
    final Integration integration;
    final ZoneId zone;
    final Instant now;
    final LocalDate today;
    OktaOrg org;
    CheckRepository.IdentityRow identity;
    OktaUser user;
    int budget;
    Instant windowStart;
    LocalDate day;
    long attemptId;

    Attempt(Work work, TenantContexts.TenantContext context, Instant now) {
      this.work = work;
      this.check = work.check();
      this.context = context;
      this.integration = context.integration();
      this.zone = context.settings().timeZone();
      this.now = now;
      this.today = LocalDays.day(now, zone);
    }

    String tenantId() {
      return check.tenantId();
    }

    UUID identityId() {
      return check.identityId();
    }
  }

  private final Vertx vertx;
  private final Pool pool;
  private final CheckRepository checks;
  private final MitigationRepository mitigations;
  private final IntegrationRepository integrations;
  private final TenantRepository tenants;
  private final DailyCap cap;
  private final FreshUsers users;
  private final TenantContexts contexts;
  private final Mitigator mitigator;
  private final Clock clock;
  private final CheckSettings settings;
  private final CheckMetrics metrics;

  CheckDecider(Vertx vertx, Pool pool, CheckRepository checks, MitigationRepository mitigations,
      IntegrationRepository integrations, TenantRepository tenants, DailyCap cap, FreshUsers users,
      TenantContexts contexts, Mitigator mitigator, Clock clock, CheckSettings settings, CheckMetrics metrics) {
    this.metrics = metrics;
    this.vertx = vertx;
    this.pool = pool;
    this.checks = checks;
    this.mitigations = mitigations;
    this.integrations = integrations;
    this.tenants = tenants;
    this.cap = cap;
    this.users = users;
    this.contexts = contexts;
    this.mitigator = mitigator;
    this.clock = clock;
    this.settings = settings;
  }

  /**
   * Decides what can be decided now and stores it, releasing the lease. Fails only when the
   * decision cannot be stored (Postgres down): the lease then expires and the check is taken again.
   */
  Future<Void> decide(Work work) {
    Instant now = clock.instant();
    return contexts.get(work.check().tenantId())
        .compose(context -> context.isEmpty()
            ? Future.succeededFuture(new Step(null, true)) // integration deleted: its waiting checks went with it
            : run(new Attempt(work, context.get(), now)).recover(error -> waitAfter(work, now, error)))
        .compose(step -> (step.written() ? Future.succeededFuture(step.result() != null)
                : checks.finish(pool, work.check().id(), work.leaseOwner(), step.result()))
            .onSuccess(stored -> {
              if (stored) {
                metrics.decided(step.result());
              }
            })
            .<Void>mapEmpty())
        .onFailure(error -> {
          if (StoreErrors.isUnavailable(error)) {
            handBackWhenStoreIsBack(work, 0);
          }
        });
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
    vertx.setTimer(delay, id -> checks.unclaim(pool, java.util.List.of(work.check().id()), work.leaseOwner())
        .onFailure(stillDown -> handBackWhenStoreIsBack(work, tries + 1)));
  }

  private Future<Step> run(Attempt a) {
    if (a.integration.kind() != Integration.Kind.OKTA) {
      return decided(a, NOT_FOUND, null, "the tenant's integration is not an Okta integration");
    }
    if (a.identityId() == null) {
      return decided(a, NOT_FOUND, null, "the identity was removed since the check was received");
    }
    try {
      a.org = contexts.org(a.integration);
    } catch (Failure e) {
      return unverified(a, "the integration's Okta domain is not usable: " + e.getMessage());
    }
    return checks.identity(pool, a.tenantId(), a.identityId()).compose(row -> {
      if (row.isEmpty()) {
        return decided(a, NOT_FOUND, null, "the identity was removed by a sync since the check was received");
      }
      a.identity = row.get();
      return freshUser(a);
    });
  }

  // ---- gates before any Okta call ----------------------------------------------------------

  private Future<Step> freshUser(Attempt a) {
    String userId = a.identity.oktaUserId();
    if (a.work.inline() && !users.cached(a.org, userId) && !a.org.hasRoom(Bucket.USER_READ)) {
      return waiting(a, PENDING, "queued behind the org's Okta read budget", a.now);
    }
    return users.get(a.org, userId).transform(ar -> {
      if (ar.failed()) {
        return unverified(a, "Okta could not be asked for the user's status: " + reason(ar.cause()));
      }
      if (ar.result().isEmpty()) {
        return decided(a, NOT_FOUND, null, "the user no longer exists in Okta");
      }
      a.user = ar.result().get();
      return checks.refreshIdentity(pool, a.tenantId(), a.identityId(), a.user.status(), a.user.lastLogin(),
              a.user.passwordChanged())
          .compose(ignored -> status(a));
    });
  }

  private Future<Step> status(Attempt a) {
    String status = a.user.status();
    if ("LOCKED_OUT".equals(status)) {
      return lockedOut(a, "Okta's user status is LOCKED_OUT", null);
    }
    if (!TRIABLE.contains(status)) {
      return decided(a, SKIPPED, StoredCheck.SkipReason.INACTIVE, "the user's Okta status is " + status
          + "; only ACTIVE, PASSWORD_EXPIRED and RECOVERY users are tried");
    }
    Instant changed = a.user.passwordChanged();
    Instant leaked = a.check.leakedTime();
    if (changed != null && leaked != null && changed.isAfter(leaked)) {
      return decided(a, SKIPPED, StoredCheck.SkipReason.STALE, "the password was changed at " + changed
          + ", after the leak at " + leaked);
    }
    return alreadyTested(a);
  }

  private Future<Step> alreadyTested(Attempt a) {
    Instant changed = a.user.passwordChanged();
    return checks.testedTime(pool, a.identityId(), a.work.fingerprint()).compose(tested -> {
      if (tested.isPresent() && (changed == null || tested.get().isAfter(changed))) {
        return decided(a, SKIPPED, StoredCheck.SkipReason.ALREADY_TESTED, "this password was already tried for"
            + " the identity at " + tested.get() + ", after its last password change");
      }
      return checks.olderOpenSibling(pool, a.check, a.work.fingerprint()).compose(older -> {
        if (older.isEmpty()) {
          return lockoutBudget(a);
        }
        // wake just after the earlier check's next try: it decides, and this one is then ALREADY_TESTED
        Instant soon = a.now.plus(settings.shortWait());
        Instant next = older.get().filter(t -> t.isAfter(soon)).map(t -> t.plusSeconds(1)).orElse(soon);
        return waiting(a, PENDING, "waits for an earlier check of the same password for this identity", next);
      });
    });
  }

  private Future<Step> lockoutBudget(Attempt a) {
    Integer threshold = a.integration.oktaLockoutThreshold();
    int maxDaily = a.integration.maxDailyPasswordAttempts();
    a.budget = LockoutBudget.of(threshold, maxDaily);
    a.windowStart = LockoutBudget.windowStart(a.user.lastLogin(), a.user.status(), a.user.statusChanged(),
        a.identity.lockoutSeenTime());
    return checks.attemptCounts(pool, a.tenantId(), a.identityId(), a.today, a.windowStart).compose(counts -> {
      if (counts.failures() >= a.budget) {
        return throttledByBudget(a, threshold, counts.failures());
      }
      if (counts.today() >= maxDaily) {
        return throttledByCap(a);
      }
      return reserve(a, 0);
    });
  }

  private Future<Step> reserve(Attempt a, long waitedMillis) {
    int maxDaily = a.integration.maxDailyPasswordAttempts();
    Instant now = clock.instant();
    return cap.reserve(a.tenantId(), a.identityId(), a.zone, now, maxDaily).compose(r -> {
      if (r instanceof DailyCap.Spent) {
        return throttledByCap(a);
      }
      if (r instanceof DailyCap.Paced paced) {
        if (waitedMillis + paced.waitMillis() > settings.maxPaceWait().toMillis()) {
          return waiting(a, PENDING, "Okta allows 4 sign-in attempts a second per user: queued",
              now.plusMillis(paced.waitMillis()));
        }
        long delay = Math.max(1, paced.waitMillis());
        return vertx.timer(delay, TimeUnit.MILLISECONDS).compose(t -> reserve(a, waitedMillis + delay));
      }
      a.day = ((DailyCap.Granted) r).day();
      return orgBudget(a);
    });
  }

  /**
   * The org's authn budget: an inline check that would have to wait for it is handed to the
   * workers at once (PENDING); a worker waits its turn in the org's rate limiter, a bounded
   * number per tenant ({@link CheckWorker}), so the queue drains at the share's pace.
   */
  private Future<Step> orgBudget(Attempt a) {
    if (a.work.inline() && !a.org.hasRoom(Bucket.AUTHN)) {
      return cap.release(a.tenantId(), a.identityId(), a.day).compose(ignored -> waiting(a, PENDING,
          "queued behind the org's authn budget (" + Math.round(settings.authnShare() * 100)
              + "% of Okta's sign-in rate limit is used for checks)", clock.instant()));
    }
    return fence(a);
  }

  /**
   * Records the attempt before the call, under the identity's row lock, if the cap and budget still
   * allow it and no other check has tried, or is trying, the same password (two checks of one
   * password that passed the earlier look at once: only the first to take the lock calls Okta).
   */
  private Future<Step> fence(Attempt a) {
    Future<Optional<String>> fenced = pool.withTransaction(tx -> checks.lockIdentity(tx, a.tenantId(), a.identityId())
        .compose(locked -> locked.isEmpty()
            ? Future.succeededFuture(Optional.of("identity"))
            : checks.samePasswordTaken(tx, a.tenantId(), a.identityId(), a.check.id(), a.work.fingerprint(),
                a.user.passwordChanged(), clock.instant().minusSeconds(settings.leaseSeconds())).compose(taken -> taken
                ? Future.succeededFuture(Optional.of("sibling"))
                : checks.limits(tx, a.tenantId()).compose(limits -> limits.isEmpty()
                    ? Future.succeededFuture(Optional.of("integration"))
                    : attemptWithin(tx, a, limits.get())))));
    return fenced.transform(ar -> {
      if (ar.failed()) {
        return cap.release(a.tenantId(), a.identityId(), a.day).compose(ignored -> Future.failedFuture(ar.cause()));
      }
      if (ar.result().isEmpty()) {
        return confirm(a);
      }
      return switch (ar.result().get()) {
        case "cap" -> throttledByCap(a);
        case "budget" -> cap.release(a.tenantId(), a.identityId(), a.day)
            .compose(ignored -> throttledByBudget(a, a.integration.oktaLockoutThreshold(), a.budget));
        // looked at again shortly: by then the other check's answer makes this one ALREADY_TESTED
        case "sibling" -> cap.release(a.tenantId(), a.identityId(), a.day)
            .compose(ignored -> waiting(a, PENDING, "waits for an earlier check of the same password for this"
                + " identity", clock.instant().plus(settings.shortWait())));
        default -> cap.release(a.tenantId(), a.identityId(), a.day)
            .compose(ignored -> decided(a, NOT_FOUND, null, "the identity or integration was removed meanwhile"));
      };
    });
  }

  /** Inserts the RESERVED attempt if today's cap and the lockout budget still allow it (under the lock). */
  private Future<Optional<String>> attemptWithin(SqlClient tx, Attempt a, CheckRepository.Limits limits) {
    int maxDaily = limits.maxDaily();
    int budget = LockoutBudget.of(limits.lockoutThreshold(), maxDaily);
    return checks.attemptCounts(tx, a.tenantId(), a.identityId(), a.day, a.windowStart).compose(counts -> {
      if (counts.today() >= maxDaily) {
        return Future.succeededFuture(Optional.of("cap"));
      }
      if (counts.failures() >= budget) {
        return Future.succeededFuture(Optional.of("budget"));
      }
      return checks.insertAttempt(tx, a.tenantId(), a.identityId(), a.check.id(), a.day, clock.instant())
          .compose(attemptId -> {
            a.attemptId = attemptId;
            return checks.countAttempt(tx, a.check.id(), a.work.leaseOwner());
          })
          .map(Optional.<String>empty());
    });
  }

  /** Redis must still hold the counter that granted the reservation: no Redis, no call. */
  private Future<Step> confirm(Attempt a) {
    return cap.confirm(a.tenantId(), a.identityId(), a.day)
        .otherwise(false)
        .compose(present -> {
          if (present) {
            return call(a);
          }
          return checks.releaseUnsent(pool, a.attemptId, a.work.leaseOwner())
              .compose(ignored -> waiting(a, PENDING, "Redis became unavailable or lost the daily counter before the"
                  + " call; no attempt was made, retried when it is back", clock.instant().plus(settings.shortWait())));
        });
  }

  // ---- the call and its record ---------------------------------------------------------------

  private Future<Step> call(Attempt a) {
    return a.org.authn(a.user.login(), a.work.password(), a.work.abandon())
        .compose(outcome -> {
          if (outcome instanceof AuthnOutcome.NotSent) {
            return notSent(a);
          }
          users.forget(a.org, a.identity.oktaUserId());
          return record(a, outcome);
        });
  }

  /**
   * The worker gave the call up while it waited for the org's authn limit (its replica is
   * stopping): Okta saw nothing, so the attempt is RELEASED and the day's count given back, and
   * the check waits, due at once, for another replica.
   */
  private Future<Step> notSent(Attempt a) {
    return checks.releaseUnsent(pool, a.attemptId, a.work.leaseOwner())
        .compose(ignored -> cap.release(a.tenantId(), a.identityId(), a.day))
        .compose(ignored -> waiting(a, PENDING, "not tried yet: the replica deciding it stopped before the call was"
            + " sent; queued", clock.instant()));
  }

  private Future<Step> record(Attempt a, AuthnOutcome outcome) {
    Instant now = clock.instant();
    String result = resultOf(outcome);
    metrics.authn(result);
    Future<Recorded> stored = pool.withTransaction(tx -> checks.setAttemptResult(tx, a.attemptId, result,
            outcome.requestId())
        .compose(ignored -> AuditLog.append(tx, new AuditLog.Event(a.tenantId(), "credential_check.authn",
            a.work.actor(), a.identityId(), outcome.requestId(), result, new JsonObject()
                .put("check_id", a.check.id().toString()).put("attempt_id", a.attemptId)
                .put("local_date", a.day.toString()))))
        .compose(ignored -> afterAnswer(tx, a, outcome, now))
        .compose(mitigation -> {
          CheckRepository.Result decision = decisionOf(a, outcome, now, mitigation.note());
          return checks.finish(tx, a.check.id(), a.work.leaseOwner(), decision)
              .map(new Recorded(decision, mitigation.created()));
        }));
    return stored.compose(recorded -> {
      Optional<StoredMitigation> created = recorded.mitigation();
      created.ifPresent(ignored -> metrics.mitigationCreated());
      if (created.isPresent() && created.get().mode() == Integration.MitigationMode.AUTOMATED) {
        return mitigator.applyNew(created.get(), a.integration).map(new Step(recorded.decision(), true));
      }
      return Future.succeededFuture(new Step(recorded.decision(), true));
    });
  }

  private record Recorded(CheckRepository.Result decision, Optional<StoredMitigation> mitigation) {}

  /** A created mitigation, or why none was (for the check's detail). */
  private record MitigationNote(Optional<StoredMitigation> created, String note) {
    static final MitigationNote NONE = new MitigationNote(Optional.empty(), "");
  }

  private static String resultOf(AuthnOutcome outcome) {
    if (outcome instanceof AuthnOutcome.Valid) {
      return "VALID";
    }
    if (outcome instanceof AuthnOutcome.Invalid) {
      return "INVALID";
    }
    if (outcome instanceof AuthnOutcome.LockedOut) {
      return "LOCKED_OUT";
    }
    if (outcome instanceof AuthnOutcome.RateLimited) {
      return "RATE_LIMITED";
    }
    return "UNKNOWN";
  }

  private CheckRepository.Result decisionOf(Attempt a, AuthnOutcome outcome, Instant now, String note) {
    if (outcome instanceof AuthnOutcome.Valid valid) {
      return new CheckRepository.Result(VALID, null, "Okta accepted the password (" + valid.status() + ")" + note,
          null, now);
    }
    if (outcome instanceof AuthnOutcome.Invalid) {
      return new CheckRepository.Result(INVALID, null, "Okta rejected the password", null, now);
    }
    if (outcome instanceof AuthnOutcome.LockedOut) {
      return new CheckRepository.Result(LOCKED_OUT, null,
          "Okta says the user is locked out; no attempts for this identity until it is unlocked", null, now);
    }
    if (outcome instanceof AuthnOutcome.RateLimited limited) {
      return new CheckRepository.Result(PENDING, null, "Okta rate-limited the attempt (HTTP 429); queued",
          now.plus(untilReal(limited.retryAfter())), null);
    }
    AuthnOutcome.Unknown unknown = (AuthnOutcome.Unknown) outcome;
    return new CheckRepository.Result(UNVERIFIED, null, "Okta's answer was missing or ambiguous (" + unknown.reason()
        + "); counted as a failed attempt for the lockout budget and retried later",
        now.plus(settings.unverifiedBackoff(a.check.unverifiedCount())), null);
  }

  /** Stored with the answer: the tested password, the lockout, the mitigation of a valid password. */
  private Future<MitigationNote> afterAnswer(SqlClient tx, Attempt a, AuthnOutcome outcome, Instant now) {
    if (outcome instanceof AuthnOutcome.Valid) {
      return checks.markTested(tx, a.tenantId(), a.identityId(), a.work.fingerprint(), now)
          .compose(ignored -> createMitigation(tx, a, now));
    }
    if (outcome instanceof AuthnOutcome.Invalid) {
      return checks.markTested(tx, a.tenantId(), a.identityId(), a.work.fingerprint(), now)
          .map(MitigationNote.NONE);
    }
    if (outcome instanceof AuthnOutcome.LockedOut) {
      return checks.lockoutSeen(tx, a.tenantId(), a.identityId(), now)
          .compose(ignored -> AuditLog.append(tx, lockoutEvent(a, outcome.requestId(), "authn answered LOCKED_OUT")))
          .map(MitigationNote.NONE);
    }
    return Future.succeededFuture(MitigationNote.NONE);
  }

  /** The mitigation the integration's mode asks for, if the tenant is entitled to it now. */
  private Future<MitigationNote> createMitigation(SqlClient tx, Attempt a, Instant now) {
    return integrations.find(tx, a.tenantId()).compose(integration -> tenants.get(tx, a.tenantId())
        .compose(tenant -> {
          if (integration.isEmpty() || !integration.get().mitigates()) {
            return Future.succeededFuture(MitigationNote.NONE);
          }
          if (!tenant.mitigationEnabled()) {
            return Future.succeededFuture(new MitigationNote(Optional.empty(), "; not mitigated: the tenant is no"
                + " longer entitled to mitigation (available on request from the CSM)"));
          }
          Integration.MitigationMode mode = integration.get().mitigationMode();
          StoredMitigation draft = new StoredMitigation(UUID.randomUUID(), a.tenantId(), a.identityId(),
              a.identity.oktaUserId(), a.check.id(), StoredMitigation.ACTIONS, mode,
              StoredMitigation.State.PENDING_APPROVAL, mode == Integration.MitigationMode.AUTOMATED ? "system" : "",
              "", "", now, null);
          return mitigations.insert(tx, draft).compose(created -> created.isEmpty()
              ? Future.succeededFuture(MitigationNote.NONE)
              : AuditLog.append(tx, new AuditLog.Event(a.tenantId(), "mitigation.create", a.work.actor(),
                      a.identityId(), null, mode.name(), new JsonObject()
                          .put("mitigation_id", draft.id().toString()).put("check_id", a.check.id().toString())))
                  .map(new MitigationNote(created, "")));
        }));
  }

  // ---- waiting and deciding --------------------------------------------------------------------

  private Future<Step> throttledByCap(Attempt a) {
    metrics.throttled(CheckMetrics.Throttle.DAILY_CAP);
    Instant midnight = LocalDays.nextMidnight(clock.instant(), a.zone);
    return waiting(a, THROTTLED, "daily cap spent: " + a.integration.maxDailyPasswordAttempts() + " attempt(s) on "
        + a.today + " (" + a.zone.getId() + "); tried again after local midnight", midnight);
  }

  private Future<Step> throttledByBudget(Attempt a, Integer threshold, long failures) {
    metrics.throttled(CheckMetrics.Throttle.LOCKOUT_BUDGET);
    return waiting(a, THROTTLED, LockoutBudget.spentDetail(a.budget, threshold, failures),
        clock.instant().plus(settings.budgetRecheck()));
  }

  private Future<Step> lockedOut(Attempt a, String why, String oktaRequestId) {
    boolean news = a.identity.lockoutSeenTime() == null || a.user == null || a.user.statusChanged() == null
        || a.user.statusChanged().isAfter(a.identity.lockoutSeenTime());
    Future<Void> noted = checks.lockoutSeen(pool, a.tenantId(), a.identityId(), a.now)
        .compose(ignored -> news ? AuditLog.append(pool, lockoutEvent(a, oktaRequestId, why)) : Future.succeededFuture());
    return noted.compose(ignored -> decided(a, LOCKED_OUT, null, why + "; no attempts for this identity until it is"
        + " unlocked"));
  }

  private static AuditLog.Event lockoutEvent(Attempt a, String oktaRequestId, String why) {
    return new AuditLog.Event(a.tenantId(), "identity.locked_out", a.work.actor(), a.identityId(), oktaRequestId,
        "LOCKED_OUT", new JsonObject().put("check_id", a.check.id().toString()).put("reason", why));
  }

  private Future<Step> unverified(Attempt a, String why) {
    return waiting(a, UNVERIFIED, why + "; retried later",
        clock.instant().plus(settings.unverifiedBackoff(a.check.unverifiedCount())));
  }

  private static Future<Step> waiting(Attempt a, StoredCheck.Outcome outcome, String detail, Instant next) {
    return Future.succeededFuture(new Step(new CheckRepository.Result(outcome, null, detail, next, null), false));
  }

  private Future<Step> decided(Attempt a, StoredCheck.Outcome outcome, StoredCheck.SkipReason skip, String detail) {
    return Future.succeededFuture(new Step(new CheckRepository.Result(outcome, skip, detail, null, clock.instant()),
        false));
  }

  /** A dependency failed before any call: the check waits (fail closed), never lost. */
  private Future<Step> waitAfter(Work work, Instant now, Throwable error) {
    Instant next = clock.instant().plus(settings.shortWait());
    if (error instanceof Failure.Unavailable unavailable && "REDIS_UNAVAILABLE".equals(unavailable.reason())) {
      return Future.succeededFuture(new Step(new CheckRepository.Result(PENDING, null,
          "Redis is unavailable: no attempt until it is back (the daily cap fails closed)", next, null), false));
    }
    if (StoreErrors.isUnavailable(error)) {
      return Future.succeededFuture(new Step(new CheckRepository.Result(PENDING, null,
          StoreErrors.describe(error) + ": no attempt until it is back", next, null), false));
    }
    LOG.atError().addKeyValue("tenant_id", work.check().tenantId()).addKeyValue("check_id", work.check().id())
        .setCause(error).log("credential check failed unexpectedly; retried later");
    return Future.succeededFuture(new Step(new CheckRepository.Result(PENDING, null,
        "an internal error interrupted the check; retried later", clock.instant().plus(settings.unverifiedMax()),
        null), false));
  }

  /** How long from now a real-clock instant is (Okta's rate-limit reset), between 1 s and 5 min. */
  private static Duration untilReal(Instant realInstant) {
    long millis = realInstant == null ? 60_000 : realInstant.toEpochMilli() - System.currentTimeMillis();
    return Duration.ofMillis(Math.max(1_000, Math.min(300_000, millis)));
  }

  private static String reason(Throwable error) {
    if (error instanceof OktaException okta) {
      return okta.getMessage();
    }
    if (error instanceof Failure f) {
      return f.getMessage();
    }
    return error.getClass().getSimpleName();
  }
}
