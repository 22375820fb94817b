package io.flare.iem.credentialcheck;

import io.flare.iem.storage.LogRetention;
import io.flare.iem.tracing.Traces;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credential-check ingress of one replica: drains the durable queue of waiting checks
 * (PENDING, THROTTLED, UNVERIFIED whose next attempt is due), a bounded number at a time.
 * Every replica runs one; {@code FOR UPDATE SKIP LOCKED} and leases decide who decides what, and
 * a replica that dies mid-decision leaves its checks to the others once the lease expires. The
 * org's authn share and Okta's per-username pacing are enforced in the decision itself: a worker
 * waits its turn in the org's rate limiter, which is why one tenant gets at most half the slots.
 * It also refreshes the queue's gauges ({@link CheckMetrics#refreshQueue}) and erases the passwords
 * that waited too long ({@link PasswordRetention}).
 */
public final class CheckQueueWorker extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CheckQueueWorker.class);
  /** The actor of a check received before submitters were recorded. */
  static final String UNRECORDED_SUBMITTER = "unrecorded";

  private static final AttributeKey<String> TENANT = AttributeKey.stringKey("iem.tenant_id");
  private static final AttributeKey<String> CHECK = AttributeKey.stringKey("iem.check_id");

  private final Pool pool;
  private final CheckRepository checks;
  private final CheckPipeline pipeline;
  private final PasswordVault vault;
  private final Clock clock;
  private final CheckSettings settings;
  private final String replica;
  private final CheckMetrics metrics;
  private final PasswordRetention retention;
  private final LogRetention decisionRetention;
  private final Duration stopWait;
  private final Runnable stopInline;
  private final AtomicLong claims = new AtomicLong();
  private long timer = -1;
  private long queueTimer = -1;
  private final Map<String, Integer> perTenant = new HashMap<>();
  /** The checks being decided, with the lease owner they were claimed under and their stop signal. */
  private final Map<UUID, Held> deciding = new HashMap<>();
  private boolean claiming;
  private boolean stopping;
  private Promise<Void> drained;

  private record Held(String owner, StoredCheck check, Promise<Void> abandon) {}

  /**
   * @param stopWait how long {@link #stop()} waits for decisions in flight before handing their
   *     checks back; shorter than the shutdown grace period, which bounds the whole stop
   * @param stopInline tells the replica's inline decisions (made while answering CheckCredential)
   *     that it is stopping
   */
  CheckQueueWorker(Pool pool, CheckRepository checks, CheckPipeline pipeline, PasswordVault vault, Clock clock,
      CheckSettings settings, String replica, CheckMetrics metrics, Duration stopWait, Runnable stopInline,
      LogRetention decisionRetention) {
    this.decisionRetention = decisionRetention;
    this.metrics = metrics;
    this.retention = new PasswordRetention(pool, clock, settings.passwordRetention(), metrics);
    this.stopWait = stopWait;
    this.stopInline = stopInline;
    this.pool = pool;
    this.checks = checks;
    this.pipeline = pipeline;
    this.vault = vault;
    this.clock = clock;
    this.settings = settings;
    this.replica = replica;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(settings.pollInterval().toMillis(), id -> claim());
    queueTimer = vertx.setPeriodic(0, CheckMetrics.QUEUE_REFRESH.toMillis(), id -> metrics.refreshQueue(pool)
        .onFailure(error -> LOG.atDebug().setCause(error).log("could not read the check queue for its gauges")));
    return Future.succeededFuture();
  }

  /**
   * Takes due checks up to the concurrency limit; runs on this verticle's event loop only. One
   * tenant gets at most half the slots (its checks may wait in its org's rate limiter), so a
   * tenant with a large backlog never starves the others; its surplus stays in the queue.
   */
  private void claim() {
    if (!stopping) {
      retention.sweepIfDue();
      decisionRetention.pruneIfDue();
    }
    int room = settings.workerConcurrency() - deciding.size();
    if (stopping || claiming || room <= 0) {
      return;
    }
    claiming = true;
    String owner = "worker/" + replica + "/" + claims.incrementAndGet();
    String[] saturated = perTenant.entrySet().stream().filter(e -> e.getValue() >= perTenantLimit())
        .map(Map.Entry::getKey).toArray(String[]::new);
    checks.claim(pool, owner, settings.leaseSeconds(), clock.instant(), room, saturated, retention.cutoff())
        .compose(claimed -> giveBackSurplus(claimed, owner, room))
        .onComplete(ar -> {
          if (stopping && ar.succeeded()) {
            // taken while this worker was being stopped: back to the queue untouched, for another replica
            List<StoredCheck> taken = ar.result().taken().stream().map(CheckRepository.Claimed::check).toList();
            (taken.isEmpty() ? Future.<Void>succeededFuture() : checks.unclaim(pool, taken, owner).otherwiseEmpty())
                .onComplete(ignored -> {
                  claiming = false;
                  settleIfStopping();
                });
            return;
          }
          claiming = false;
          if (ar.failed()) {
            LOG.atDebug().setCause(ar.cause()).log("could not take waiting credential checks; retrying next tick");
            settleIfStopping();
            return;
          }
          for (CheckRepository.Claimed claimed : ar.result().taken()) {
            String tenant = claimed.check().tenantId();
            UUID id = claimed.check().id();
            Held held = new Held(owner, claimed.check(), Promise.promise());
            deciding.put(id, held);
            process(claimed, owner, held.abandon().future()).onComplete(done -> {
              deciding.remove(id, held); // the same check may be claimed again before this runs
              perTenant.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
              settleIfStopping();
              claim();
            });
          }
          if (ar.result().full()) {
            claim();
          }
        });
  }

  /** The checks kept from one claim; {@code full} when the claim filled every free slot (look again at once). */
  private record Batch(List<CheckRepository.Claimed> taken, boolean full) {
    static Batch partial(List<CheckRepository.Claimed> taken) {
      return new Batch(taken, false);
    }
  }

  /** Keeps what the per-tenant limit allows and gives the rest back to the queue at once. */
  private Future<Batch> giveBackSurplus(List<CheckRepository.Claimed> claimed, String owner, int room) {
    List<CheckRepository.Claimed> taken = new ArrayList<>();
    List<StoredCheck> surplus = new ArrayList<>();
    for (CheckRepository.Claimed c : claimed) {
      String tenant = c.check().tenantId();
      if (perTenant.getOrDefault(tenant, 0) >= perTenantLimit()) {
        surplus.add(c.check());
      } else {
        perTenant.merge(tenant, 1, Integer::sum);
        taken.add(c);
      }
    }
    boolean full = surplus.isEmpty() && claimed.size() == room;
    if (surplus.isEmpty()) {
      return Future.succeededFuture(new Batch(taken, full));
    }
    return checks.unclaim(pool, surplus, owner).otherwiseEmpty().map(Batch.partial(taken));
  }

  private int perTenantLimit() {
    return Math.max(1, settings.workerConcurrency() / 2);
  }

  private Future<Void> process(CheckRepository.Claimed claimed, String owner, Future<Void> abandon) {
    StoredCheck check = claimed.check();
    String password;
    try {
      password = vault.open(check.id(), claimed.sealedPassword());
    } catch (RuntimeException e) {
      LOG.atError().addKeyValue("tenant_id", check.tenantId()).addKeyValue("check_id", check.id())
          .log("the sealed password of a waiting check cannot be opened: is IEM_PASSWORD_KEY_FILE the key it was"
              + " sealed with?");
      CheckRepository.Result unreadable = new CheckRepository.Result(StoredCheck.Outcome.UNVERIFIED, null,
          "the waiting password cannot be decrypted with the service's key; an operator must restore the key",
          clock.instant().plus(settings.unverifiedMax()), null);
      return checks.finish(pool, check, owner, unreadable)
          .onSuccess(stored -> {
            if (stored) {
              metrics.decided(unreadable);
            }
          })
          .mapEmpty();
    }
    // the rows this decision writes name the caller who submitted the check, not the worker
    String submitter = claimed.submittedBy() != null ? claimed.submittedBy() : UNRECORDED_SUBMITTER;
    // a trace of its own, linked to the CheckCredential call that queued the check
    return Traces.queued("check queued", Attributes.of(TENANT, check.tenantId(), CHECK, check.id().toString()),
            "check", check.tenantId(), check.id(), span -> pipeline.decide(new CheckPipeline.Work(check, password,
                claimed.fingerprint(), owner, submitter, CheckPipeline.Mode.WORKER, abandon)))
        .onFailure(error -> LOG.atWarn().addKeyValue("tenant_id", check.tenantId()).addKeyValue("check_id", check.id())
            .setCause(error).log("could not store a credential check's decision; retried when its lease expires"));
  }

  /**
   * Stops taking checks (a claim in flight gives its checks back untouched). Decisions whose authn
   * call still waits for the org's rate limit give it up unsent (their reservation goes back and
   * the check waits, due at once, for another replica); the others get up to {@code stopWait} to
   * finish. A check still being decided after that is handed back to the queue, unless an authn
   * call may be in flight for it: that one keeps its lease, which expires as after a crash, so the
   * call's answer is never guessed.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    stopInline.run(); // the replica's inline decisions give up unsent calls too
    vertx.cancelTimer(timer);
    vertx.cancelTimer(queueTimer);
    deciding.values().forEach(held -> held.abandon().tryComplete());
    if (deciding.isEmpty() && !claiming) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    return drained.future().timeout(stopWait.toMillis(), TimeUnit.MILLISECONDS).recover(slow -> giveBack());
  }

  /** While stopping: done once no check is being decided and no claim is in flight. */
  private void settleIfStopping() {
    if (stopping && drained != null && deciding.isEmpty() && !claiming) {
      drained.tryComplete();
    }
  }

  private Future<Void> giveBack() {
    List<StoredCheck> held = deciding.values().stream().map(Held::check).toList();
    List<String> owners = deciding.values().stream().map(Held::owner).distinct().toList();
    return checks.giveBack(pool, held, owners)
        .onSuccess(released -> LOG.atInfo().addKeyValue("deciding", held.size()).addKeyValue("handed_back", released)
            .log("stopped with credential checks still being decided; handed back those no authn call is in flight"
                + " for"))
        .onFailure(error -> LOG.atWarn().setCause(error).log("could not hand back the credential checks being"
            + " decided; their leases expire"))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /** For logs and tests. */
  int inFlight() {
    return deciding.size();
  }
}
