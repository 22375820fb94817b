package io.flare.iem.exposure;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per replica: sends the outbox's risk signals (at once when a case opens or resolves, and on a
 * short poll for retries), re-reads the users of open cases when due (hourly by default), and
 * keeps the open-cases gauge current. Replicas share the work through leases and SKIP LOCKED.
 */
public final class ExposureWorker extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ExposureWorker.class);
  private static final int REREAD_BATCH = 100;

  private final Pool pool;
  private final ExposureRepository cases;
  private final Exposures exposures;
  private final RiskSignals signals;
  private final ExposureMetrics metrics;
  private final ExposureSettings settings;
  private final Clock clock;
  private long signalTimer;
  private long rereadTimer;
  private long countTimer;

  ExposureWorker(Pool pool, ExposureRepository cases, Exposures exposures, RiskSignals signals,
      ExposureMetrics metrics, ExposureSettings settings, Clock clock) {
    this.pool = pool;
    this.cases = cases;
    this.exposures = exposures;
    this.signals = signals;
    this.metrics = metrics;
    this.settings = settings;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    io.vertx.core.Context here = context;
    exposures.onSignalsDue(() -> here.runOnContext(v -> signals.kick()));
    countTimer = vertx.setPeriodic(ExposureMetrics.COUNT_EVERY.toMillis(), id -> metrics.refresh(pool, cases)
        .onFailure(e -> LOG.atDebug().setCause(e).log("open exposure cases not counted; counted on the next pass")));
    signalTimer = vertx.setPeriodic(settings.signalPoll().toMillis(), id -> signals.kick());
    rereadTimer = vertx.setPeriodic(settings.rereadPoll().toMillis(), id -> reread());
    return metrics.refresh(pool, cases).otherwiseEmpty();
  }

  private void reread() {
    Instant now = clock.instant();
    cases.claimDue(pool, now, now.plus(settings.reread()), REREAD_BATCH)
        .compose(due -> Future.join(due.stream().map(c -> exposures.reread(c).otherwiseEmpty()).toList()))
        .onFailure(e -> LOG.atWarn().setCause(e).log("re-read of open exposure cases failed; tried on the next pass"));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(signalTimer);
    vertx.cancelTimer(rereadTimer);
    vertx.cancelTimer(countTimer);
    return Future.succeededFuture();
  }
}
