package io.flare.iem.dev;

import io.flare.iem.config.AppConfig;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dev mode ({@code IEM_DEV=true}): a real embedded PostgreSQL and Redis when none is configured,
 * with data kept under the dev data folder so it survives restarts. Caller auth is off, and the
 * service says so loudly. Blocking: runs in {@code main} before Vert.x starts.
 */
public final class DevMode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DevMode.class);

  private final AppConfig config;
  private final List<AutoCloseable> servers;

  private DevMode(AppConfig config, List<AutoCloseable> servers) {
    this.config = config;
    this.servers = servers;
  }

  public static DevMode start(AppConfig config) {
    LOG.warn("DEV MODE: caller authentication is {} and keys are generated under {}; never run this in production",
        config.callerAuth().isEmpty() ? "OFF" : "on", config.devDataDir().toAbsolutePath());
    List<AutoCloseable> servers = new ArrayList<>();
    AppConfig effective = config;
    if (config.postgres().isEmpty()) {
      EmbeddedPostgres pg = EmbeddedPostgres.start(config.devDataDir().resolve("postgres"), 0, false);
      servers.add(pg);
      effective = effective.withPostgres(pg.connection(8));
      LOG.info("dev mode: embedded PostgreSQL on 127.0.0.1:{} (user postgres, password postgres)", pg.port());
    }
    if (config.redisUrl().isEmpty()) {
      EmbeddedRedis redis = EmbeddedRedis.start(0, config.devDataDir().resolve("redis"));
      servers.add(redis);
      effective = effective.withRedisUrl(redis.url());
      LOG.info("dev mode: embedded Redis at {}", redis.url());
    }
    return new DevMode(effective, servers);
  }

  /** The configuration with the embedded servers filled in. */
  public AppConfig config() {
    return config;
  }

  @Override
  public void close() {
    for (AutoCloseable server : reversed(servers)) {
      try {
        server.close();
      } catch (Exception e) {
        LOG.warn("could not stop a dev server: {}", e.toString());
      }
    }
  }

  private static List<AutoCloseable> reversed(List<AutoCloseable> list) {
    List<AutoCloseable> copy = new ArrayList<>(list);
    java.util.Collections.reverse(copy);
    return copy;
  }
}
