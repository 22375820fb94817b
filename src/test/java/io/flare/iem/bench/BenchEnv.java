package io.flare.iem.bench;

import io.flare.iem.App;
import io.flare.iem.config.AppConfig;
import io.flare.iem.dev.EmbeddedPostgres;
import io.flare.iem.dev.EmbeddedRedis;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.keys.SigningKeys;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What a benchmark of the service needs, on this machine: its own embedded PostgreSQL and Redis,
 * the Okta simulator in a process of its own ({@link OktaProcess}), and the service itself started
 * in this JVM with production's wiring ({@link App}), so that this JVM's heap is the service's
 * (and the benchmark clients').
 */
final class BenchEnv implements AutoCloseable {

  final Path root;
  final Path keyFile;
  final EmbeddedPostgres pg;
  final EmbeddedRedis redis;
  final OktaProcess sim;
  final Vertx vertx = Vertx.vertx();

  private BenchEnv(Path root, Path keyFile, EmbeddedPostgres pg, EmbeddedRedis redis, OktaProcess sim) {
    this.root = root;
    this.keyFile = keyFile;
    this.pg = pg;
    this.redis = redis;
    this.sim = sim;
  }

  static BenchEnv start(int simHeapMb) throws Exception {
    CallContext.init();
    Path root = Path.of("target", "bench", UUID.randomUUID().toString());
    Files.createDirectories(root);
    Path keyFile = root.resolve("signing-key.pem");
    Files.writeString(keyFile, SigningKeys.generatePem());
    EmbeddedPostgres pg = EmbeddedPostgres.start(root.resolve("pg"), 0, true);
    EmbeddedRedis redis = null;
    try {
      redis = EmbeddedRedis.start(0, root.resolve("redis"));
      return new BenchEnv(root, keyFile, pg, redis, OktaProcess.start(simHeapMb, root.resolve("oktasim.log")));
    } catch (Exception | Error e) {
      if (redis != null) {
        redis.close();
      }
      pg.close();
      throw e;
    }
  }

  /** Starts the service on this environment, with {@code extra} settings over the benchmark's. */
  App startApp(Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("IEM_GRPC_PORT", "0");
    env.put("IEM_HTTP_PORT", "0");
    env.put("IEM_BIND_HOST", "127.0.0.1");
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(pg.port()));
    env.put("PGUSER", "postgres");
    env.put("PGPASSWORD", "postgres");
    env.put("IEM_REDIS_URL", redis.url());
    env.put("IEM_SIGNING_KEY_FILE", keyFile.toString());
    Files.writeString(root.resolve("password.key"), io.flare.iem.credentialcheck.PasswordVault.generateBase64());
    env.put("IEM_PASSWORD_KEY_FILE", root.resolve("password.key").toString());
    env.put("IEM_DEV", "true"); // only dev mode may reach the simulator: plain http on loopback
    env.put("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1");
    env.put("IEM_DEV_DATA_DIR", root.resolve("dev-data").toString());
    env.putAll(TestIssuer.shared().env());
    env.putAll(extra);
    return App.start(vertx, AppConfig.fromEnv(env)).await(2, TimeUnit.MINUTES);
  }

  /** A gRPC channel to {@code app} carrying the admin caller token. */
  static ManagedChannel channel(App app) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", app.grpcPort()).usePlaintext()
        .intercept(RunningService.freshAdminBearer()).build();
  }

  /** A Vert.x pool of {@code size} connections to the benchmark's database. */
  Pool pool(int size) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(new PgConnectOptions()
        .setHost("127.0.0.1").setPort(pg.port()).setDatabase("postgres").setUser("postgres").setPassword("postgres"))
        .using(vertx).build();
  }

  /** Where {@code app} serves an integration's {@code jwks_url} (its path under the app's HTTP port). */
  static String jwksUrl(App app, io.flare.iem.v1.Integration integration) {
    return "http://127.0.0.1:" + app.httpPort() + java.net.URI.create(integration.getJwksUrl()).getPath();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing anyway
    }
    sim.close();
    try {
      redis.close();
    } catch (Exception ignored) {
      // best effort
    }
    try {
      pg.close();
    } catch (Exception ignored) {
      // best effort
    }
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (Exception ignored) {
      // target/ is cleaned by the build anyway
    }
  }
}
