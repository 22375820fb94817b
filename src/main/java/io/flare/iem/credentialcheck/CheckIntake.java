package io.flare.iem.credentialcheck;

import io.flare.iem.failure.Failure;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.storage.Keyset;
import io.flare.iem.storage.StatementBatcher;
import io.flare.iem.tracing.Traces;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Receives leaked credentials: matches the username to a synced identity, records the check (the
 * password sealed, never in plaintext) and hands it to the {@link CheckPipeline} at once; what
 * must wait stays in the queue for the {@link CheckQueueWorker}s. The same request id, or the same
 * leak, identity and password, returns the existing check and never causes a second attempt.
 */
final class CheckIntake {

  /** A validated CheckCredential request. {@code toString} hides the password. */
  record Input(String tenantId, String username, String password, String leakId, String leakSource,
      String leakSourceKind, Instant leakedTime, String requestId) {
    @Override
    public String toString() {
      return "Input[tenant=" + tenantId + ", request_id=" + requestId + ", leak_id=" + leakId + "]";
    }
  }

  private final Pool pool;
  private final CheckRepository checks;
  private final TenantContexts contexts;
  private final PasswordVault vault;
  private final CheckPipeline pipeline;
  private final Clock clock;
  private final CheckSettings settings;
  private final String inlineOwner;
  private final CheckMetrics metrics;
  private final StatementBatcher intakes;
  /** Inline decisions in progress: each one's signal to give up an authn call still waiting for the rate limit. */
  private final Set<Promise<Void>> inlineAbandons = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  CheckIntake(Pool pool, CheckRepository checks, TenantContexts contexts, PasswordVault vault,
      CheckPipeline pipeline, Clock clock, CheckSettings settings, String replica, CheckMetrics metrics) {
    this.metrics = metrics;
    this.pool = pool;
    this.checks = checks;
    this.contexts = contexts;
    this.vault = vault;
    this.pipeline = pipeline;
    this.clock = clock;
    this.settings = settings;
    this.inlineOwner = "inline/" + replica;
    this.intakes = checks.intakeBatcher(pool);
  }

  /**
   * Records and decides a leaked credential for the caller {@code actor} (its verified identity,
   * stored with the check: rows written later, by a worker too, name it); returns the check as
   * decided so far.
   */
  Future<StoredCheck> check(Input in, String actor) {
    return contexts.get(in.tenantId())
        .compose(context -> {
          if (context.isEmpty()) {
            return Future.failedFuture(new Failure.NotFound("INTEGRATION_NOT_FOUND", "tenant '" + in.tenantId()
                + "' has no integration: create one before checking credentials"));
          }
          if (context.get().integration().kind() != Integration.Kind.OKTA) {
            return Future.failedFuture(new Failure.FailedPrecondition("NOT_OKTA", "tenant '" + in.tenantId()
                + "' has an Entra ID integration; credential checks need an Okta integration"));
          }
          return received(in, actor);
        });
  }

  Future<StoredCheck> get(String tenantId, UUID checkId) {
    return checks.get(pool, tenantId, checkId).map(found -> found.orElseThrow(() -> notFound(tenantId, checkId)));
  }

  Future<List<StoredCheck>> list(String tenantId, StoredCheck.Outcome outcome, Keyset.TimeAndId after, int limit) {
    return checks.list(pool, tenantId, outcome, after, limit);
  }

  private Future<Optional<StoredCheck>> byRequest(Input in) {
    return in.requestId() == null ? Future.succeededFuture(Optional.empty())
        : checks.byRequest(pool, in.tenantId(), in.requestId());
  }

  /**
   * One round trip decides the cheap cases: a replay of the request id returns its check, a
   * username no identity has is recorded NOT_FOUND (nothing of the password is kept); a matched
   * identity goes on.
   */
  private Future<StoredCheck> received(Input in, String actor) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS); // what Postgres keeps: answers match later reads
    UUID id = UUID.randomUUID();
    String detail = "no synced identity has this login or email";
    CheckRepository.NewCheck notFound = new CheckRepository.NewCheck(id, in.tenantId(), null, in.username(),
        in.requestId(), in.leakId(), in.leakSource(), in.leakSourceKind(), in.leakedTime(), null, null,
        StoredCheck.Outcome.NOT_FOUND, detail, null, null, 0, now, now, actor);
    return checks.intake(intakes, notFound).compose(intake -> {
      if (intake.existing().isPresent()) {
        return Future.succeededFuture(intake.existing().get());
      }
      if (intake.inserted()) {
        metrics.decided(new CheckRepository.Result(StoredCheck.Outcome.NOT_FOUND, null, detail, null, now));
        return Future.succeededFuture(new StoredCheck(id, in.tenantId(), null, in.username(), in.requestId(),
            in.leakId(), in.leakSource(), in.leakSourceKind(), in.leakedTime(), StoredCheck.Outcome.NOT_FOUND, null,
            detail, 0, null, now, now, 0, null));
      }
      if (intake.matchedIdentity() != null) {
        return matched(in, intake.matchedIdentity(), actor);
      }
      return existingAfterConflict(in, null, null);
    });
  }

  private Future<StoredCheck> matched(Input in, UUID identityId, String actor) {
    byte[] fingerprint = vault.fingerprint(identityId, in.password());
    Future<Optional<StoredCheck>> sameLeak = in.leakId().isEmpty() ? Future.succeededFuture(Optional.empty())
        : checks.byLeak(pool, in.tenantId(), in.leakId(), identityId, fingerprint);
    return sameLeak.compose(existing -> existing.isPresent()
        ? Future.succeededFuture(existing.get())
        : recordAndDecide(in, identityId, fingerprint, actor));
  }

  private Future<StoredCheck> recordAndDecide(Input in, UUID identityId, byte[] fingerprint, String actor) {
    Instant now = clock.instant();
    UUID id = UUID.randomUUID();
    String detail = "received; being checked";
    CheckRepository.NewCheck row = new CheckRepository.NewCheck(id, in.tenantId(), identityId, in.username(),
        in.requestId(), in.leakId(), in.leakSource(), in.leakSourceKind(), in.leakedTime(), fingerprint,
        vault.seal(id, in.password()), StoredCheck.Outcome.PENDING, detail, now, inlineOwner,
        settings.leaseSeconds(), now, null, actor);
    return checks.insert(pool, row).compose(inserted -> {
      if (!inserted) {
        return existingAfterConflict(in, identityId, fingerprint);
      }
      StoredCheck check = new StoredCheck(id, in.tenantId(), identityId, in.username(), in.requestId(), in.leakId(),
          in.leakSource(), in.leakSourceKind(), in.leakedTime(), StoredCheck.Outcome.PENDING, null, detail, 0, now,
          now, null, 0, null);
      Promise<Void> abandon = Promise.promise();
      inlineAbandons.add(abandon);
      if (stopping) {
        abandon.tryComplete();
      }
      Future<Void> decided = pipeline.decide(new CheckPipeline.Work(check, in.password(), fingerprint, inlineOwner,
          actor, CheckPipeline.Mode.INLINE, abandon.future())).andThen(ignored -> inlineAbandons.remove(abandon));
      // past the inline timeout the decision goes on under its lease; answer with the check as it stands
      return decided.timeout(settings.inlineTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .otherwiseEmpty()
          .compose(ignored -> get(in.tenantId(), id))
          .onSuccess(stored -> {
            if (stored.outcome().waits()) {
              Traces.remember("check", in.tenantId(), id); // the worker that decides it links to this call
            }
          });
    });
  }

  /**
   * The replica is stopping: inline decisions give up authn calls still waiting for the org's rate
   * limit (Okta sees nothing, the attempt is released) and their checks wait in the queue for
   * another replica. A call already sent is left to finish.
   */
  void stop() {
    stopping = true;
    inlineAbandons.forEach(Promise::tryComplete);
  }

  /** Another request with the same request id or leak key won the insert: return its check. */
  private Future<StoredCheck> existingAfterConflict(Input in, UUID identityId, byte[] fingerprint) {
    Future<Optional<StoredCheck>> byLeak = identityId == null || in.leakId().isEmpty()
        ? Future.succeededFuture(Optional.empty())
        : checks.byLeak(pool, in.tenantId(), in.leakId(), identityId, fingerprint);
    return byRequest(in)
        .compose(found -> found.isPresent() ? Future.succeededFuture(found) : byLeak)
        .map(found -> found.orElseThrow(() -> new Failure.Aborted("CHECK_CONFLICT",
            "a concurrent request for the same credential was recorded at the same moment; retry")));
  }

  static Failure.NotFound notFound(String tenantId, UUID checkId) {
    return new Failure.NotFound("CHECK_NOT_FOUND", "tenant '" + tenantId + "' has no credential check " + checkId);
  }
}
