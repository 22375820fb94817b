package io.flare.iem;

import io.flare.iem.config.AppConfig;
import io.flare.iem.config.ConfigException;
import io.flare.iem.dev.DevMode;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.metrics.Metrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts iem-okta: parses the environment, starts dev-mode servers if asked, then the service. */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    AppConfig config;
    try {
      config = AppConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      LOG.atError().addKeyValue("problems", e.problems()).log("iem-okta cannot start: {}", e.getMessage());
      System.exit(2);
      return;
    }
    DevMode dev = null;
    if (config.dev()) {
      dev = DevMode.start(config);
      config = dev.config();
    }
    CallContext.init(); // before the first Vertx: registers the request-scoped context local
    // one registry for Vert.x's own metrics (HTTP servers and clients, pools, event loops) and ours
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    // Vert.x names each HTTP client pool after its destination, an Okta org's host: tenant data, and
    // more series with every customer. Okta traffic is measured by bucket and status instead (iem_okta_*).
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith("vertx.pool.")
        && "http".equals(id.getTag("pool_type"))));
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setPreferNativeTransport(false)
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    DevMode devServers = dev;
    AppConfig effective = config;
    try {
      var started = dev == null ? App.start(vertx, effective, Clock.systemUTC(), registry)
          : dev.startOktaSimulator(vertx).compose(simulator -> App.start(vertx, effective, Clock.systemUTC(), registry));
      App app = started.await(2, TimeUnit.MINUTES);
      long graceMillis = effective.shutdownGrace().toMillis();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, app, devServers, graceMillis),
          "iem-shutdown"));
    } catch (Exception e) {
      LOG.atError().setCause(e).log("iem-okta failed to start");
      vertx.close().await(10, TimeUnit.SECONDS);
      if (devServers != null) {
        devServers.close();
      }
      System.exit(1);
    }
  }

  /** On SIGTERM: the app drains within the grace period, then Vert.x and the log flush. */
  private static void shutdown(Vertx vertx, App app, DevMode dev, long graceMillis) {
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
    if (dev != null) {
      dev.close();
    }
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
      logback.stop(); // flushes the asynchronous appender
    }
  }
}
