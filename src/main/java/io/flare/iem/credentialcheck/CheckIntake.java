package io.flare.iem.credentialcheck;

import io.flare.iem.failure.Failure;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.storage.Keyset;
import io.flare.iem.storage.StatementBatcher;
import io.flare.iem.tracing.Traces;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private final BulkIntake bulk = new BulkIntake();
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
    return contexts.get(in.tenantId()).compose(context -> {
      Failure unusable = unusable(in.tenantId(), context);
      return unusable != null ? Future.failedFuture(unusable) : received(in, actor);
    });
  }

  /**
   * As {@link #check} for many leaks at once (a CheckCredentials stream's batch): once every tenant
   * of the batch is known usable, all their leaks go through one intake statement
   * ({@link BulkIntake}); answers in the order of {@code ins}, {@code actors} naming each leak's
   * caller. A tenant that cannot be checked fails its own leaks only.
   */
  List<Future<StoredCheck>> checkAll(List<Input> ins, List<String> actors) {
    List<Promise<StoredCheck>> answers = new ArrayList<>(ins.size());
    Map<String, Future<Optional<TenantContexts.TenantContext>>> tenants = new LinkedHashMap<>();
    for (Input in : ins) {
      answers.add(Promise.promise());
      tenants.computeIfAbsent(in.tenantId(), contexts::get);
    }
    Future.join(new ArrayList<>(tenants.values())).onComplete(all -> {
      List<Input> usable = new ArrayList<>(ins.size());
      List<String> usableActors = new ArrayList<>(ins.size());
      List<Integer> positions = new ArrayList<>(ins.size());
      for (int i = 0; i < ins.size(); i++) {
        String tenantId = ins.get(i).tenantId();
        Future<Optional<TenantContexts.TenantContext>> context = tenants.get(tenantId);
        Failure unusable = context.failed() ? null : unusable(tenantId, context.result());
        if (context.failed() || unusable != null) {
          answers.get(i).fail(context.failed() ? context.cause() : unusable);
        } else {
          usable.add(ins.get(i));
          usableActors.add(actors.get(i));
          positions.add(i);
        }
      }
      if (usable.isEmpty()) {
        return;
      }
      List<Future<StoredCheck>> decided = receivedAll(usable, usableActors);
      for (int k = 0; k < positions.size(); k++) {
        decided.get(k).onComplete(answers.get(positions.get(k)));
      }
    });
    List<Future<StoredCheck>> out = new ArrayList<>(answers.size());
    answers.forEach(p -> out.add(p.future()));
    return out;
  }

  /** Why the tenant's leaks cannot be checked (null: they can). */
  private static Failure unusable(String tenantId, Optional<TenantContexts.TenantContext> context) {
    if (context.isEmpty()) {
      return new Failure.NotFound("INTEGRATION_NOT_FOUND", "tenant '" + tenantId
          + "' has no integration: create one before checking credentials");
    }
    if (context.get().integration().kind() != Integration.Kind.OKTA) {
      return new Failure.FailedPrecondition("NOT_OKTA", "tenant '" + tenantId
          + "' has an Entra ID integration; credential checks need an Okta integration");
    }
    return null;
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
    CheckRepository.NewCheck notFound = notFoundRow(in, actor);
    return checks.intake(intakes, notFound).compose(intake -> afterIntake(in, actor, notFound, intake));
  }

  /**
   * Leaks of usable tenants in one intake statement, each then decided as {@link #received} does;
   * when Postgres refuses the batch (a deadlock between two batches), each leak on its own.
   */
  private List<Future<StoredCheck>> receivedAll(List<Input> ins, List<String> actors) {
    List<CheckRepository.NewCheck> rows = new ArrayList<>(ins.size());
    for (int i = 0; i < ins.size(); i++) {
      rows.add(notFoundRow(ins.get(i), actors.get(i)));
    }
    Future<List<CheckRepository.Intake>> intakes = bulk.intake(pool, rows);
    List<Future<StoredCheck>> out = new ArrayList<>(ins.size());
    for (int i = 0; i < ins.size(); i++) {
      int k = i;
      out.add(intakes.transform(ar -> {
        if (ar.succeeded()) {
          return afterIntake(ins.get(k), actors.get(k), rows.get(k), ar.result().get(k));
        }
        return ar.cause() instanceof PgException ? received(ins.get(k), actors.get(k)) : Future.failedFuture(ar.cause());
      }));
    }
    return out;
  }

  /** The would-be NOT_FOUND check of a leak: what the intake inserts when no identity matches. */
  private CheckRepository.NewCheck notFoundRow(Input in, String actor) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS); // what Postgres keeps: answers match later reads
    return new CheckRepository.NewCheck(UUID.randomUUID(), in.tenantId(), null, in.username(), in.requestId(),
        in.leakId(), in.leakSource(), in.leakSourceKind(), in.leakedTime(), null, null,
        StoredCheck.Outcome.NOT_FOUND, NOT_FOUND_DETAIL, null, null, 0, now, now, actor);
  }

  private static final String NOT_FOUND_DETAIL = "no synced identity has this login or email";

  /**
   * What the intake found decides the cheap cases: a replay of the request id returns its check, a
   * username no identity has is recorded NOT_FOUND (nothing of the password is kept); a matched
   * identity goes on.
   */
  private Future<StoredCheck> afterIntake(Input in, String actor, CheckRepository.NewCheck notFound,
      CheckRepository.Intake intake) {
    if (intake.existing().isPresent()) {
      return Future.succeededFuture(intake.existing().get());
    }
    if (intake.inserted()) {
      Instant now = notFound.createTime();
      metrics.decided(new CheckRepository.Result(StoredCheck.Outcome.NOT_FOUND, null, NOT_FOUND_DETAIL, null, now));
      return Future.succeededFuture(new StoredCheck(notFound.id(), in.tenantId(), null, in.username(), in.requestId(),
          in.leakId(), in.leakSource(), in.leakSourceKind(), in.leakedTime(), StoredCheck.Outcome.NOT_FOUND, null,
          NOT_FOUND_DETAIL, 0, null, now, now, 0, null));
    }
    if (intake.matchedIdentity() != null) {
      return matched(in, intake.matchedIdentity(), actor);
    }
    return existingAfterConflict(in, null, null);
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
