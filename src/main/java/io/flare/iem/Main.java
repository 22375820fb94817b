package io.flare.iem;

import io.flare.iem.config.AppConfig;
import io.flare.iem.config.ConfigException;
import io.flare.iem.dev.DevMode;
import io.flare.iem.grpc.CallContext;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
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
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
    DevMode devServers = dev;
    AppConfig effective = config;
    try {
      var started = dev == null ? App.start(vertx, effective)
          : dev.startOktaSimulator(vertx).compose(simulator -> App.start(vertx, effective));
      App app = started.await(2, TimeUnit.MINUTES);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, app, devServers), "iem-shutdown"));
    } catch (Exception e) {
      LOG.atError().setCause(e).log("iem-okta failed to start");
      vertx.close().await(10, TimeUnit.SECONDS);
      if (devServers != null) {
        devServers.close();
      }
      System.exit(1);
    }
  }

  private static void shutdown(Vertx vertx, App app, DevMode dev) {
    try {
      app.stop().await(30, TimeUnit.SECONDS);
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
  }
}
