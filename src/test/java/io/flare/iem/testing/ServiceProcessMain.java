package io.flare.iem.testing;

import io.flare.iem.Main;
import io.flare.iem.config.AppConfig;
import io.flare.iem.config.ConfigException;
import io.vertx.core.Future;

/**
 * What {@link ServiceProcess} runs: the packaged jar's own {@link Main#serve}, started from a
 * launcher beside the jar because the simulated Okta org is plain http on loopback, which only dev
 * mode may reach ({@code IEM_OKTA_INSECURE_HOSTS}); {@link Main#main} refuses dev mode. It uses
 * nothing from test code but itself: the rest of the process is the jar.
 */
public final class ServiceProcessMain {

  private ServiceProcessMain() {}

  public static void main(String[] args) {
    AppConfig config;
    try {
      config = AppConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      System.err.println("iem-okta cannot start: " + e.getMessage());
      System.exit(2);
      return;
    }
    Main.serve(config, vertx -> Future.succeededFuture(), () -> {});
  }
}
