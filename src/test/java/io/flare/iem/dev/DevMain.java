package io.flare.iem.dev;

import ch.qos.logback.classic.Level;
import io.flare.iem.Main;
import io.flare.iem.config.AppConfig;
import io.flare.iem.config.ConfigException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dev mode's entry point, {@code ./mvnw -q test-compile exec:java@dev}: the environment as given,
 * with {@code IEM_DEV=true}; embedded PostgreSQL and Redis when none is configured, the demo Okta
 * org ({@link DevMode}), then the service exactly as {@link Main} serves it. It lives in test code
 * with the simulator and the embedded servers, so none of them ships in the production jar.
 */
public final class DevMain {

  static {
    // before the first logger below: production's logback.xml writes readable lines instead of JSON
    if (System.getProperty("iem.log.format") == null) {
      System.setProperty("iem.log.format", "text");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(DevMain.class);

  private DevMain() {}

  public static void main(String[] args) {
    // production's logging (logback.xml, readable lines), without the embedded servers' start-up chatter
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.zonky")).setLevel(Level.WARN);
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("IEM_DEV", "true");
    AppConfig config;
    try {
      config = AppConfig.fromEnv(env);
    } catch (ConfigException e) {
      LOG.atError().addKeyValue("problems", e.problems()).log("dev mode cannot start: {}", e.getMessage());
      System.exit(2);
      return;
    }
    DevMode dev = DevMode.start(config);
    Main.serve(dev.config(), dev::startOktaSimulator, dev::close);
  }
}
