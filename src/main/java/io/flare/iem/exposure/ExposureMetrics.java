package io.flare.iem.exposure;

import io.flare.iem.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Exposure metrics: {@code iem_exposures_opened_total}, {@code iem_exposures_open} (every tenant's
 * open cases, refreshed from the database) and {@code iem_exposure_resolve_seconds} (open to
 * resolved).
 */
final class ExposureMetrics {

  /** How often each replica counts the open cases for the gauge. */
  static final Duration COUNT_EVERY = Duration.ofSeconds(15);

  private final Counter opened;
  private final Timer toResolve;
  private final AtomicLong open = new AtomicLong();

  ExposureMetrics(Metrics metrics) {
    this.opened = Counter.builder("iem_exposures_opened").description("Exposure cases opened by a valid password")
        .register(metrics.registry());
    this.toResolve = Timer.builder("iem_exposure_resolve").description("Time from a case's opening to its"
        + " resolution (the password changed in Okta)").publishPercentileHistogram().register(metrics.registry());
    metrics.gauge("iem_exposures_open", "Exposure cases open now (every tenant)", open::get);
  }

  void opened() {
    opened.increment();
  }

  void resolved(Duration openFor) {
    toResolve.record(openFor.isNegative() ? Duration.ZERO : openFor);
  }

  /** Reads the open count now. */
  Future<Void> refresh(Pool pool, ExposureRepository cases) {
    return cases.countOpen(pool).onSuccess(open::set).mapEmpty();
  }
}
