package io.flare.iem;

import io.flare.iem.config.AppConfig;
import io.flare.iem.config.ConfigException;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.tracing.Tracing;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts iem-okta from the production jar: parses the environment, then serves until SIGTERM.
 * Dev mode (embedded servers, a simulated Okta org) is not in the jar: it starts from a clone
 * ({@value #DEV_COMMAND}).
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** How dev mode starts: the simulator and the embedded servers are test code. */
  public static final String DEV_COMMAND = "./mvnw -q test-compile exec:java@dev";

  private Main() {}

  public static void main(String[] args) {
    if (AppConfig.devRequested(System.getenv())) {
      LOG.error("IEM_DEV=true: dev mode is not part of the production jar; start it from a clone of the repository"
          + " with `{}`", DEV_COMMAND);
      exit(2);
      return;
    }
    AppConfig config;
    try {
      config = AppConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      LOG.atError().addKeyValue("problems", e.problems()).log("iem-okta cannot start: {}", e.getMessage());
      exit(2);
      return;
    }
    serve(config, vertx -> Future.succeededFuture(), () -> {});
  }

  /**
   * Builds Vert.x with its metrics (and its tracing, when {@code OTEL_*} configure it), runs {@code beforeStart} (dev mode starts its Okta org there),
   * starts the service and stops it gracefully on SIGTERM; {@code afterStop} runs last (dev mode
   * stops its embedded servers). Exits the JVM if the service cannot start.
   */
  public static void serve(AppConfig config, Function<Vertx, Future<?>> beforeStart, Runnable afterStop) {
    Optional<OpenTelemetrySdk> tracing;
    try {
      tracing = Tracing.fromEnv(System.getenv()); // OTEL_*: off unless an endpoint or exporter is set
    } catch (ConfigException e) {
      LOG.atError().addKeyValue("problems", e.problems()).log("iem-okta cannot start: {}", e.getMessage());
      exit(2);
      return;
    }
    CallContext.init(); // before the first Vertx: registers the request-scoped context local
    // one registry for Vert.x's own metrics (HTTP servers and clients, pools, event loops) and ours
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    // Vert.x names each HTTP client pool after its destination, an Okta org's host: tenant data, and
    // more series with every customer. Okta traffic is measured by bucket and status instead (iem_okta_*).
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith("vertx.pool.")
        && "http".equals(id.getTag("pool_type"))));
    VertxBuilder builder = Vertx.builder()
        .with(new VertxOptions().setPreferNativeTransport(false)
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(registry));
    Vertx vertx = tracing.map(otel -> Tracing.build(builder, otel)).orElseGet(builder::build);
    Runnable stopped = () -> {
      tracing.ifPresent(otel -> otel.shutdown().join(5, TimeUnit.SECONDS)); // the last spans go out
      afterStop.run();
    };
    try {
      App app = beforeStart.apply(vertx)
          .compose(ready -> App.start(vertx, config, Clock.systemUTC(), registry))
          .await(2, TimeUnit.MINUTES);
      long graceMillis = config.shutdownGrace().toMillis();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, app, stopped, graceMillis),
          "iem-shutdown"));
    } catch (Exception e) {
      LOG.atError().setCause(e).log("iem-okta failed to start");
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception closing) {
        LOG.atWarn().setCause(closing).log("vert.x did not close cleanly");
      }
      stopped.run();
      exit(1);
    }
  }

  /** On SIGTERM: the app drains within the grace period, then Vert.x and the log flush. */
  private static void shutdown(Vertx vertx, App app, Runnable afterStop, long graceMillis) {
    try {
      app.stop().await(graceMillis + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.atWarn().setCause(e).log("shutdown did not finish cleanly");
    }
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.atWarn().setCause(e).log("vert.x did not close cleanly");
    }
    afterStop.run();
    flushLogs();
  }

  /** Exits once the log lines written so far are out: the appender writes them asynchronously. */
  private static void exit(int status) {
    flushLogs();
    System.exit(status);
  }

  private static void flushLogs() {
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
      logback.stop();
    }
  }
}
