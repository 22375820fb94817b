package io.flare.iem.identitysync;

import io.flare.iem.storage.LogRetention;
import io.flare.iem.tracing.Traces;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sync ingress of one replica: takes queued runs (and runs whose holder died) from Postgres,
 * a few at a time, and ticks the nightly schedule. Every replica runs one; Postgres leases decide
 * who runs what, so one run per tenant runs at a time across all replicas.
 */
public final class SyncWorker extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SyncWorker.class);

  private final Pool pool;
  private final SyncRunRepository runs;
  private final Syncer syncer;
  private final SyncSchedule schedule;
  private final Clock clock;
  private final SyncSettings settings;
  private final String owner;
  private final LogRetention changeRetention;
  private final Set<Syncer.Handle> active = ConcurrentHashMap.newKeySet();
  private long pollTimer = -1;
  private long scheduleTimer = -1;
  private boolean claiming;
  private volatile boolean stopping;

  SyncWorker(Pool pool, SyncRunRepository runs, Syncer syncer, SyncSchedule schedule, Clock clock,
      SyncSettings settings, String owner, LogRetention changeRetention) {
    this.changeRetention = changeRetention;
    this.pool = pool;
    this.runs = runs;
    this.syncer = syncer;
    this.schedule = schedule;
    this.clock = clock;
    this.settings = settings;
    this.owner = owner;
  }

  @Override
  public Future<?> start() {
    pollTimer = vertx.setPeriodic(settings.pollInterval().toMillis(), id -> claim());
    scheduleTimer = vertx.setPeriodic(0, settings.scheduleInterval().toMillis(), id -> tickSchedule());
    return Future.succeededFuture();
  }

  /** Looks for queued runs now rather than at the next poll (a run was just queued on this replica). */
  public void kick() {
    if (context != null) {
      context.runOnContext(ignored -> claim());
    }
  }

  /** Takes runs until this replica is at capacity or none is waiting. */
  private void claim() {
    if (stopping || claiming || active.size() >= settings.maxConcurrentRuns()) {
      return;
    }
    claiming = true;
    Set<java.util.UUID> executing = new java.util.HashSet<>();
    active.forEach(handle -> executing.add(handle.runId()));
    runs.claim(pool, owner, settings.leaseSeconds(), executing)
        .onComplete(result -> {
          claiming = false;
          if (result.failed()) {
            LOG.atDebug().setCause(result.cause()).log("could not claim a sync run");
            return;
          }
          result.result().ifPresent(run -> {
            Syncer.Handle handle = traced(run);
            active.add(handle);
            handle.done().onComplete(ended -> {
              active.remove(handle);
              claim();
            });
            claim();
          });
        });
  }

  /** Executes {@code run} in a trace of its own, linked to the call that queued it. */
  private Syncer.Handle traced(SyncRun run) {
    Syncer.Handle[] handle = new Syncer.Handle[1];
    Traces.queued("sync run", Attributes.of(AttributeKey.stringKey("iem.tenant_id"), run.tenantId(),
        AttributeKey.stringKey("iem.sync_run_id"), run.id().toString()), "sync", run.tenantId(), run.id(), span -> {
          handle[0] = syncer.execute(run);
          return handle[0].done();
        });
    return handle[0]; // the work starts at once, on this event loop
  }

  private void tickSchedule() {
    if (stopping) {
      return;
    }
    changeRetention.pruneIfDue();
    schedule.tick(pool, clock.instant())
        .onSuccess(queued -> {
          if (!queued.isEmpty()) {
            LOG.atInfo().addKeyValue("tenants", queued).log("nightly syncs queued");
            claim();
          }
        })
        .onFailure(error -> LOG.atWarn().setCause(error).log("nightly schedule tick failed; retrying next tick"));
  }

  /** Asks runs to stop after their current batch and releases them to other replicas; waits for them. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(scheduleTimer);
    List<Future<SyncRun.State>> ending = new ArrayList<>();
    for (Syncer.Handle handle : active) {
      handle.stop();
      ending.add(handle.done());
    }
    return Future.join(ending).otherwiseEmpty(); // App bounds the whole shutdown by the grace period
  }

  int activeRuns() {
    return active.size();
  }
}
