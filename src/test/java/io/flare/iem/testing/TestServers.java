package io.flare.iem.testing;

import io.flare.iem.config.AppConfig;
import io.flare.iem.dev.EmbeddedPostgres;
import io.flare.iem.dev.EmbeddedRedis;
import io.flare.iem.keys.SigningKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real PostgreSQL and Redis servers the tests run against, started once per test JVM from
 * Maven artifacts (nothing installed by hand). Each test class gets its own fresh database; Redis
 * is shared, so tests use their own tenant ids.
 */
public final class TestServers {

  private static final Path ROOT = Path.of("target", "test-servers", UUID.randomUUID().toString());
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres postgres;
  private static EmbeddedRedis redis;
  private static EmbeddedRedisCluster redisCluster;
  private static Path signingKey;

  private TestServers() {}

  public static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      postgres = EmbeddedPostgres.start(ROOT.resolve("pg"), 0, true);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        postgres.close();
        deleteQuietly(ROOT.resolve("pg")); // a test JVM's data is of no use once it ends
      }));
    }
    return postgres;
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // best effort: target/ is cleaned by the build anyway
    }
  }

  public static synchronized EmbeddedRedis redis() {
    if (redis == null) {
      redis = EmbeddedRedis.start(0, ROOT.resolve("redis"));
      Runtime.getRuntime().addShutdownHook(new Thread(redis::close));
    }
    return redis;
  }

  /**
   * A three-master Redis Cluster ({@link EmbeddedRedisCluster}), started once per test JVM for the
   * tests that run the service on one; like {@link #redis()} it is shared, so tests use their own tenant ids.
   */
  public static synchronized EmbeddedRedisCluster redisCluster() {
    if (redisCluster == null) {
      redisCluster = EmbeddedRedisCluster.start(ROOT.resolve("redis-cluster"));
      Runtime.getRuntime().addShutdownHook(new Thread(redisCluster::close));
    }
    return redisCluster;
  }

  /** The environment that points the service at {@link #redisCluster()}. */
  public static Map<String, String> redisClusterEnv() {
    return Map.of("IEM_REDIS_URL", redisCluster().urls(), "IEM_REDIS_CLUSTER", "true");
  }

  /** Connections of a test database's pool, as production's default. */
  public static final int POOL_SIZE = 8;

  /** A new, empty database on the shared server (migrations run when the service starts). */
  public static AppConfig.Postgres newDatabase() {
    EmbeddedPostgres pg = postgres();
    String name = "iem_test_" + DATABASES.incrementAndGet();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres",
        "postgres", "postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create test database", e);
    }
    return new AppConfig.Postgres("127.0.0.1", pg.port(), name, "postgres", "postgres", POOL_SIZE);
  }

  /** A signing key file generated once per JVM. */
  public static synchronized Path signingKeyFile() {
    if (signingKey == null) {
      try {
        Files.createDirectories(ROOT);
        signingKey = ROOT.resolve("signing-key.pem");
        Files.writeString(signingKey, SigningKeys.generatePem());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return signingKey;
  }

  /** A password-sealing key file (base64 of 32 random bytes) generated once per JVM. */
  public static synchronized Path passwordKeyFile() {
    Path file = ROOT.resolve("password.key");
    if (!Files.exists(file)) {
      try {
        Files.createDirectories(ROOT);
        Files.writeString(file, io.flare.iem.credentialcheck.PasswordVault.generateBase64() + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return file;
  }

  /**
   * The service's configuration against the test servers, on free ports, trusting {@link
   * TestIssuer#shared()}: production's settings, in dev mode only because the simulated Okta org is
   * plain http on loopback ({@code IEM_OKTA_INSECURE_HOSTS}, which production refuses); caller auth
   * stays on.
   */
  public static AppConfig config(AppConfig.Postgres pg) {
    return config(pg, Map.of());
  }

  /** As {@link #config(AppConfig.Postgres)}, with extra environment variables. */
  public static AppConfig config(AppConfig.Postgres pg, Map<String, String> extraEnv) {
    var env = new java.util.HashMap<String, String>();
    env.put("IEM_GRPC_PORT", "0");
    env.put("IEM_HTTP_PORT", "0");
    env.put("IEM_BIND_HOST", "127.0.0.1");
    env.putAll(postgresEnv(pg));
    env.put("IEM_REDIS_URL", redis().url());
    env.put("IEM_SIGNING_KEY_FILE", signingKeyFile().toString());
    env.put("IEM_PASSWORD_KEY_FILE", passwordKeyFile().toString());
    env.put("IEM_DEV", "true");
    env.put("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1,localhost");
    env.put("IEM_DEV_DATA_DIR", ROOT.resolve("dev-data").toString());
    env.putAll(TestIssuer.shared().env()); // configured caller auth stays on in dev mode
    env.putAll(extraEnv);
    return AppConfig.fromEnv(env);
  }

  /** The operator contract's Postgres variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD) for {@code pg}. */
  public static Map<String, String> postgresEnv(AppConfig.Postgres pg) {
    return Map.of("PGHOST", pg.host(), "PGPORT", Integer.toString(pg.port()), "PGDATABASE", pg.database(),
        "PGUSER", pg.user(), "PGPASSWORD", pg.password());
  }

  public static Set<String> insecureHosts() {
    return Set.of("127.0.0.1", "localhost");
  }

  public static Duration timeout() {
    return Duration.ofSeconds(60);
  }
}
