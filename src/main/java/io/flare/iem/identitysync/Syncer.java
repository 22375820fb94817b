package io.flare.iem.identitysync;

import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.integrationconfig.TenantSettings;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.storage.PgTime;
import io.flare.iem.storage.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one sync run to its end. The listing is streamed: while one batch of users is written
 * (one transaction: lock the run, upsert, identifiers, checkpoint), the next batch is fetched, and
 * no more than that is held, so memory stays bounded whichever side is slower. The cursor and
 * counters are committed with each batch, so a run whose replica dies is resumed by another one
 * from its last batch. A full sync removes identities it did not see only after the listing
 * completed; a run that fails or is cancelled sweeps nothing. Okta or Postgres being down makes
 * the run wait and retry from its last checkpoint (up to {@code maxOutage}), never lose work.
 */
final class Syncer {

  private static final Logger LOG = LoggerFactory.getLogger(Syncer.class);
  /** Batch transactions of one run open at once (their ordered tails serialise them on commit). */
  private static final int PARALLEL_WRITES = 2;

  /** Stored as the cursor once the listing is complete, so a resumed run goes straight to the end. */
  static final String LISTING_DONE = "#listing-done";

  private final Vertx vertx;
  private final Pool pool;
  private final SyncRunRepository runs;
  private final IdentityWriter writer;
  private final IntegrationRepository integrations;
  private final TenantRepository tenants;
  private final UserSources sources;
  private final OrgRefresh refresh;
  private final SyncSettings settings;
  private final String owner;
  private final Metrics metrics;
  private final AtomicInteger running = new AtomicInteger();
  private volatile PasswordChanges passwordChanges = PasswordChanges.NONE;

  void onPasswordsSeen(PasswordChanges listener) { this.passwordChanges = listener; } // issue 16, set at wiring
  Syncer(Vertx vertx, Pool pool, SyncRunRepository runs, IdentityWriter writer, IntegrationRepository integrations,
      TenantRepository tenants, UserSources sources, OrgRefresh refresh, SyncSettings settings, String owner,
      Metrics metrics) {
    this.refresh = refresh;
    this.metrics = metrics;
    metrics.gauge("iem.sync.active.runs", "sync runs this replica is executing", running::get);
    this.vertx = vertx;
    this.pool = pool;
    this.runs = runs;
    this.writer = writer;
    this.integrations = integrations;
    this.tenants = tenants;
    this.sources = sources;
    this.settings = settings;
    this.owner = owner;
  }

  /** A run being executed by this replica; {@link #stop()} makes it stop after its current batch. */
  interface Handle {
    /** The run executed. */
    java.util.UUID runId();

    Future<SyncRun.State> done();

    void stop();
  }

  /** Starts executing a run this replica has claimed. */
  Handle execute(SyncRun run) {
    Execution execution = new Execution(run);
    execution.start();
    return execution;
  }

  private final class Execution implements Handle {
    private final SyncRun run;
    private final Promise<SyncRun.State> done = Promise.promise();
    private Integration integration;
    private TenantSettings tenant;
    private UserSource source;
    private RunIdentifiers identifiers;
    private boolean sweepNeeded = true;
    /** The org's settings were read at the start (not when Okta refused us then, e.g. before our key was registered). */
    private boolean orgRead;
    private String cursor;
    private boolean listingRestarted;
    private final OutageBackoff outage = new OutageBackoff(settings.maxOutage(), settings.maxBackoff());
    private long renewTimer = -1;
    private volatile boolean stopRequested;
    private boolean cancelRequested;
    private boolean leaseLost;

    Execution(SyncRun run) {
      this.run = run;
      this.cursor = run.cursor();
    }

    @Override
    public java.util.UUID runId() {
      return run.id();
    }

    @Override
    public Future<SyncRun.State> done() {
      return done.future();
    }

    @Override
    public void stop() {
      stopRequested = true;
    }

    void start() {
      long started = System.nanoTime();
      running.incrementAndGet();
      done.future().onComplete(result -> {
        running.decrementAndGet();
        if (result.succeeded() && result.result() != null) {
          metrics.syncRunEnded(run.mode().name(), result.result().name(), System.nanoTime() - started);
        }
      });
      renewTimer = vertx.setPeriodic(settings.leaseSeconds() * 1000L / 3, id -> renew());
      prepare()
          .compose(ready -> ready ? attempt() : Future.succeededFuture(SyncRun.State.FAILED))
          .onComplete(result -> {
            vertx.cancelTimer(renewTimer);
            if (result.succeeded()) {
              done.complete(result.result());
            } else {
              LOG.atError().addKeyValue("tenant", run.tenantId()).addKeyValue("sync_run_id", run.id())
                  .setCause(result.cause()).log("sync run ended unexpectedly");
              done.fail(result.cause());
            }
          });
    }

    private void renew() {
      runs.renew(pool, run, owner, settings.leaseSeconds()).onSuccess(state -> {
        if (state.isEmpty()) {
          leaseLost = true;
        } else if (state.get()) {
          cancelRequested = true;
        }
      });
    }

    /** Loads the integration and settings; a tenant without an Okta integration fails the run. */
    private Future<Boolean> prepare() {
      return integrations.find(pool, run.tenantId()).compose(found -> {
        if (found.isEmpty() || found.get().kind() != Integration.Kind.OKTA) {
          return finish(SyncRun.State.FAILED, "the tenant has no Okta integration", null).map(false);
        }
        integration = found.get();
        return refresh.refresh(integration)
            .compose(read -> {
              orgRead = read;
              return tenants.get(pool, run.tenantId());
            })
            .compose(t -> {
              tenant = t;
              return writer.countIdentifiers(pool, run.tenantId());
            })
            .compose(count -> {
              identifiers = new RunIdentifiers(integration.autoCreateIdentifiers() && tenant.autoIdentifiersEnabled(),
                  tenant.identifierCap(), count);
              return run.cursor() == null ? writer.anyIdentity(pool, run.tenantId()) : Future.succeededFuture(true);
            })
            .compose(any -> {
              sweepNeeded = any; // a full sync of a tenant with no identity yet creates every row it holds
              return since();
            })
            .map(since -> {
              source = sources.open(integration, since);
              LOG.atInfo().addKeyValue("tenant", run.tenantId()).addKeyValue("sync_run_id", run.id())
                  .addKeyValue("mode", run.mode()).addKeyValue("resumed", cursor != null)
                  .log("sync run started");
              return true;
            });
      });
    }

    /** Where an incremental run starts: the last success's watermark minus an overlap, fixed once per run. */
    private Future<Instant> since() {
      if (run.mode() == SyncQueue.Mode.FULL) {
        return Future.succeededFuture(null);
      }
      if (run.sinceTime() != null) {
        return Future.succeededFuture(run.sinceTime());
      }
      return SyncSchedule.state(pool, run.tenantId()).compose(state -> {
        Instant watermark = state.map(SyncSchedule.State::watermark).orElse(null);
        if (watermark == null) {
          return Future.succeededFuture(null); // never synced: list everything, but sweep nothing
        }
        Instant since = watermark.minus(settings.incrementalOverlap());
        return runs.setSince(pool, run, owner, since).map(since);
      });
    }

    private Future<SyncRun.State> attempt() {
      return Future.succeededFuture()
          .compose(ignored -> pump(cursor))
          .compose(ignored -> finishListing())
          .recover(this::onError);
    }

    /** Streams the listing from {@code at}, {@code PARALLEL_WRITES} batch transactions at a time ({@link BatchStream}). */
    private Future<Void> pump(String at) {
      return new BatchStream<SyncBatch>(PARALLEL_WRITES, this::checkFlags, this::fetchBatch, SyncBatch::nextCursor,
          this::write, LISTING_DONE).from(at);
    }

    private Future<SyncBatch> fetchBatch(String at) {
      return fetchInto(new SyncBatch.Builder(settings.batchUsers() + 200), at);
    }

    private Future<SyncBatch> fetchInto(SyncBatch.Builder batch, String at) {
      return source.page(at).compose(page -> {
        batch.add(page);
        metrics.syncPage(page.users().size());
        String next = page.next() == null || page.next().equals(at) ? LISTING_DONE : page.next();
        if (LISTING_DONE.equals(next) || batch.size() >= settings.batchUsers() || stopRequested) {
          return Future.succeededFuture(batch.build(next));
        }
        return fetchInto(batch, next);
      });
    }

    /** One batch in one transaction: upsert now, then (after {@code previous} committed) its ordered tail. */
    private Future<Void> write(SyncBatch batch, Future<Void> previous) {
      int size = batch.users().size();
      IdentityWriter.Identifiers mode = identifiers.forBatch(size);
      return pool.withTransaction(tx -> writer.upsert(tx, run.tenantId(), run.id(), batch.users(), mode)
              .compose(upserted -> previous.transform(before -> before.succeeded()
                  ? Future.succeededFuture(upserted)
                  : Future.failedFuture(before.cause()))) // an earlier batch failed: roll this one back too
              .compose(upserted -> writer.refreshIdentifiers(tx, run.tenantId(), upserted.updated(), mode)
                  .map(changed -> settled(upserted.counts(), changed)))
              .compose(result -> checkpoint(tx, batch, result).map(result)))
          .andThen(ar -> identifiers.written(mode, size, ar.succeeded() ? ar.result().identifiersCreated() : 0,
              ar.succeeded() ? ar.result().identifiersDeleted() : 0))
          .map(result -> {
            cursor = batch.nextCursor();
            outage.reset();
            passwordChanges.afterBatch(run.tenantId(), batch.users());
            return null;
          });
    }

    private IdentityWriter.BatchResult settled(IdentityWriter.BatchResult counts, long[] changed) {
      return new IdentityWriter.BatchResult(counts.created(), counts.updated(), counts.removed(),
          counts.identifiersCreated() + changed[0], changed[1], counts.maxLastUpdated());
    }

    /** Moves the cursor and counters and renews the lease: fails if the lease is lost, stops on a cancel. */
    private Future<Void> checkpoint(SqlClient tx, SyncBatch batch, IdentityWriter.BatchResult result) {
      OffsetDateTime maxLastUpdated = result.maxLastUpdated();
      SyncRun.Counters delta = new SyncRun.Counters(batch.users().size(), result.created(), result.updated(),
          result.removed(), result.identifiersCreated(), 0, batch.pages(), batch.requests(), batch.rateLimitWaits());
      return runs.checkpoint(tx, run, owner, batch.nextCursor(), PgTime.instant(maxLastUpdated),
              batch.oktaTime(), delta, settings.leaseSeconds())
          .compose(state -> {
            if (state.isEmpty()) {
              return Future.failedFuture(new RunInterrupted.LeaseLost());
            }
            if (state.get()) {
              cancelRequested = true; // this batch is kept; the run stops before the next one
            }
            return Future.succeededFuture();
          });
    }

    private void checkFlags() {
      if (leaseLost) {
        throw new RunInterrupted.LeaseLost();
      }
      if (cancelRequested) {
        throw new RunInterrupted.Cancelled();
      }
      if (stopRequested) {
        throw new RunInterrupted.Stopping();
      }
    }

    /**
     * The listing is complete: read the org's settings if they could not be read at the start, then
     * sweep (full sync), settle identifiers, record the watermark, succeed.
     */
    private Future<SyncRun.State> finishListing() {
      checkFlags();
      boolean full = run.mode() == SyncQueue.Mode.FULL;
      Future<?> orgSettings = orgRead ? Future.succeededFuture() : refresh.refresh(integration);
      return orgSettings.compose(read -> pool.withTransaction(tx -> runs.lock(tx, run, owner).compose(state -> {
        if (state.isEmpty()) {
          return Future.failedFuture(new RunInterrupted.LeaseLost());
        }
        if (state.get()) {
          return Future.failedFuture(new RunInterrupted.Cancelled());
        }
        Future<Long> removed = full && sweepNeeded ? writer.sweep(tx, run.tenantId(), run.id())
            : Future.succeededFuture(0L);
        return removed.compose(gone -> identifiers.settle(tx, writer, run.tenantId(), run.id()).compose(identifiers ->
            SyncSchedule.recordSuccess(tx, run.tenantId(), run.id(), run.mode())
                .compose(ignored -> runs.finish(tx, run, owner, SyncRun.State.SUCCEEDED, "",
                    identifiers.overCap(), gone, identifiers.identifiersCreated()))));
      }))).map(finished -> {
        finished.ifPresent(f -> LOG.atInfo().addKeyValue("tenant", run.tenantId()).addKeyValue("sync_run_id", run.id())
            .addKeyValue("users_seen", f.counters().usersSeen())
            .addKeyValue("identities_created", f.counters().identitiesCreated())
            .addKeyValue("identities_updated", f.counters().identitiesUpdated())
            .addKeyValue("identities_removed", f.counters().identitiesRemoved())
            .addKeyValue("identifiers_over_cap", f.counters().identifiersOverCap())
            .log("sync run succeeded"));
        return SyncRun.State.SUCCEEDED;
      });
    }

    private Future<SyncRun.State> onError(Throwable error) {
      if (error instanceof RunInterrupted.LeaseLost) {
        LOG.atWarn().addKeyValue("tenant", run.tenantId()).addKeyValue("sync_run_id", run.id())
            .log("sync run taken over or ended elsewhere; this replica stops working on it");
        return Future.succeededFuture(null);
      }
      if (error instanceof RunInterrupted.Cancelled) {
        return finish(SyncRun.State.CANCELLED, "cancelled", null).map(SyncRun.State.CANCELLED);
      }
      if (error instanceof RunInterrupted.Stopping) {
        return runs.release(pool, run, owner).map((SyncRun.State) null);
      }
      if (source != null && source.isExpiredCursor(error) && !listingRestarted && cursor != null) {
        LOG.atWarn().addKeyValue("tenant", run.tenantId()).addKeyValue("sync_run_id", run.id())
            .log("Okta refused the stored cursor; listing again from the start (writes are idempotent)");
        listingRestarted = true;
        cursor = null;
        return attempt();
      }
      if (isTransient(error)) {
        return waitAndResume(error);
      }
      return finish(SyncRun.State.FAILED, describe(error), error).map(SyncRun.State.FAILED);
    }

    private boolean isTransient(Throwable error) {
      return StoreErrors.isUnavailable(error) || (source != null && source.isTransient(error));
    }

    /** Okta or Postgres is down: wait with jittered backoff, then resume from the last committed batch. */
    private Future<SyncRun.State> waitAndResume(Throwable error) {
      long delay = outage.nextDelayMillis(System.currentTimeMillis());
      if (delay < 0) {
        return finish(SyncRun.State.FAILED, "gave up after " + settings.maxOutage().toMinutes()
            + " minutes of: " + describe(error), error).map(SyncRun.State.FAILED);
      }
      LOG.atWarn().addKeyValue("tenant", run.tenantId()).addKeyValue("sync_run_id", run.id())
          .addKeyValue("retry_in_ms", delay).log("sync run waiting: {}", describe(error));
      runs.noteError(pool, run, owner, "waiting: " + describe(error));
      Promise<Void> waited = Promise.promise();
      vertx.setTimer(delay, id -> waited.complete());
      return waited.future()
          .compose(ignored -> runs.get(pool, run.tenantId(), run.id()))
          .compose(reloaded -> {
            cursor = reloaded.map(SyncRun::cursor).orElse(cursor);
            return attempt();
          }, reloadFailed -> onError(reloadFailed));
    }

    private Future<Void> finish(SyncRun.State state, String message, Throwable cause) {
      if (state == SyncRun.State.FAILED) {
        LOG.atError().addKeyValue("tenant", run.tenantId()).addKeyValue("sync_run_id", run.id()).setCause(cause)
            .log("sync run failed: {}", message);
      } else {
        LOG.atInfo().addKeyValue("tenant", run.tenantId()).addKeyValue("sync_run_id", run.id())
            .log("sync run {}", state.name().toLowerCase(java.util.Locale.ROOT));
      }
      return pool.withTransaction(tx -> runs.finish(tx, run, owner, state, message, 0, 0, 0)).mapEmpty();
    }
  }

  /** A failure as people should read it in GetSyncRun: never a secret, never a stack. */
  static String describe(Throwable error) {
    if (StoreErrors.isUnavailable(error)) {
      return StoreErrors.describe(error);
    }
    String message = error.getMessage();
    return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
  }
}
