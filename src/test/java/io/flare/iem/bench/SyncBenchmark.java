package io.flare.iem.bench;

import com.google.protobuf.FieldMask;
import io.flare.iem.App;
import io.flare.iem.config.AppConfig;
import io.flare.iem.dev.EmbeddedPostgres;
import io.flare.iem.dev.EmbeddedRedis;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.keys.SigningKeys;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Syncs N simulated Okta users into Postgres through the production wiring and prints users per
 * second and peak heap, beside the speed of a bare bulk insert of the same rows into the same
 * tables measured in the same run (the physical ceiling). With {@code --rate-limited} the
 * simulator grants L list requests per window and the benchmark prints the share of the
 * theoretical ceiling (L × 200 users per window) reached, and the 429s seen.
 *
 * <pre>
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.SyncBenchmark -Dexec.args="--users 1000000"
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.SyncBenchmark -Dexec.args="--rate-limited 60 --window 10 --users 60000"
 * </pre>
 *
 * Run it with the JVM flags of production (the exec plugin runs in Maven's JVM: set
 * {@code MAVEN_OPTS=-Xmx256m} to hold the whole benchmark, simulator included, to the target heap).
 */
public final class SyncBenchmark {

  /** Figures of one sync measurement. */
  public record Result(long users, double seconds, double usersPerSecond, long peakHeapBytes, double bareRowsPerSecond,
      long identifiers, long served429, double ceilingShare) {}

  private SyncBenchmark() {}

  public static void main(String[] args) {
    try {
      run(args);
      System.exit(0);
    } catch (Throwable e) {
      e.printStackTrace(); // a benchmark program reports on its console
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    Map<String, String> a = args(args);
    int users = Integer.parseInt(a.getOrDefault("users", "1000000"));
    Integer rateLimited = a.containsKey("rate-limited") ? Integer.parseInt(a.get("rate-limited")) : null;
    int windowSeconds = Integer.parseInt(a.getOrDefault("window", "60"));
    Result r = run(users, rateLimited, windowSeconds, a.getOrDefault("batch", "1000"));
    print(r, rateLimited, windowSeconds);
  }

  public static Result run(int users, Integer rateLimit, int windowSeconds, String batchUsers) throws Exception {
    CallContext.init();
    Path root = Path.of("target", "bench", UUID.randomUUID().toString());
    Files.createDirectories(root);
    Path keyFile = root.resolve("signing-key.pem");
    Files.writeString(keyFile, SigningKeys.generatePem());
    SigningKeys keys = SigningKeys.load(keyFile);
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(root.resolve("pg"), 0, true);
        EmbeddedRedis redis = EmbeddedRedis.start(0, root.resolve("redis"))) {
      Vertx vertx = Vertx.vertx();
      OktaSimulator.Options options = new OktaSimulator.Options().users(users).seed(7).mixedStatuses(true);
      if (rateLimit == null) {
        options.unlimited(true);
      } else {
        options.rateLimitWindow(Duration.ofSeconds(windowSeconds));
      }
      OktaSimulator sim = OktaSimulator.start(vertx, options).await(60, TimeUnit.SECONDS);
      sim.app().savedKeys(keys.publicJwks());
      if (rateLimit != null) {
        sim.limit(SimBucket.USERS, rateLimit * 2); // the headers show our app's 50 % share: L
      }
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
      env.put("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1");
      env.put("IEM_SYNC_OKTA_SHARE", "1.0");
      env.put("IEM_SYNC_BATCH_USERS", batchUsers);
      env.putAll(TestIssuer.shared().env());
      AppConfig config = AppConfig.fromEnv(env);
      App app = App.start(vertx, config).await(2, TimeUnit.MINUTES);
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", app.grpcPort()).usePlaintext()
          .intercept(RunningService.bearer(TestIssuer.shared().adminToken())).build();
      try {
        var integrations = IntegrationConfigServiceGrpc.newBlockingStub(channel);
        var sync = IdentitySyncServiceGrpc.newBlockingStub(channel);
        integrations.updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId("bench")
            .setSettings(TenantSettings.newBuilder().setIdentifierCap(users * 3).setAutoIdentifiersEnabled(true))
            .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("auto_identifiers_enabled"))
            .build());
        System.gc();
        resetPeaks();
        long start = System.nanoTime();
        integrations.createIntegration(CreateIntegrationRequest.newBuilder().setTenantId("bench")
            .setIntegration(Integration.newBuilder().setDisplayName("Benchmark org").setOktaDomain(sim.baseUrl())
                .setClientId(sim.app().clientId()).setAutoCreateIdentifiers(true)).build());
        SyncRun run = awaitRun(sync, "bench");
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = peakHeap();
        if (run.getState() != SyncRunState.SYNC_RUN_STATE_SUCCEEDED) {
          throw new IllegalStateException("sync ended " + run.getState() + ": " + run.getErrorMessage());
        }
        double bare = rateLimit == null ? bareInsert(vertx, pg, users) : 0;
        double ceiling = rateLimit == null ? 0
            : (run.getUsersSeen() / seconds) / (rateLimit * 200.0 / windowSeconds);
        return new Result(run.getUsersSeen(), seconds, run.getUsersSeen() / seconds, peak, bare,
            run.getIdentifiersCreated(), sim.counters().served429(), ceiling);
      } finally {
        channel.shutdownNow();
        app.stop().await(30, TimeUnit.SECONDS);
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private static SyncRun awaitRun(IdentitySyncServiceGrpc.IdentitySyncServiceBlockingStub sync, String tenant)
      throws InterruptedException {
    while (true) {
      var runs = sync.listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build()).getSyncRunsList();
      if (!runs.isEmpty()) {
        SyncRun run = sync.getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(tenant)
            .setSyncRunId(runs.get(0).getSyncRunId()).build()).getSyncRun();
        SyncRunState s = run.getState();
        if (s == SyncRunState.SYNC_RUN_STATE_SUCCEEDED || s == SyncRunState.SYNC_RUN_STATE_FAILED
            || s == SyncRunState.SYNC_RUN_STATE_CANCELLED) {
          return run;
        }
      }
      Thread.sleep(50);
    }
  }

  /**
   * The ceiling: the same number of identity rows, and one identifier each, written by bare array
   * inserts (1,000 rows per statement and transaction, two in flight: as many writers as a sync
   * run uses) into the same tables with the same indexes, for another tenant.
   */
  static double bareInsert(Vertx vertx, EmbeddedPostgres pg, int users) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(new PgConnectOptions()
        .setHost("127.0.0.1").setPort(pg.port()).setDatabase("postgres").setUser("postgres").setPassword("postgres"))
        .using(vertx).build();
    try {
      pool.query("INSERT INTO tenants (tenant_id, identifier_cap) VALUES ('bare', 0)").execute()
          .await(30, TimeUnit.SECONDS);
      long start = System.nanoTime();
      OffsetDateTime now = Instant.now().atOffset(ZoneOffset.UTC);
      java.util.ArrayDeque<io.vertx.core.Future<?>> inFlight = new java.util.ArrayDeque<>();
      for (int from = 0; from < users; from += 1000) {
        if (inFlight.size() == 2) {
          inFlight.pollFirst().await(60, TimeUnit.SECONDS);
        }
        int n = Math.min(1000, users - from);
        String[] ids = new String[n];
        String[] logins = new String[n];
        String[] names = new String[n];
        OffsetDateTime[] times = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
          ids[i] = String.format(Locale.ROOT, "00ubare%013d", from + i);
          logins[i] = "bare.user" + (from + i) + "@example.com";
          names[i] = "Bare";
          times[i] = now;
        }
        inFlight.addLast(pool.withTransaction(tx -> tx.preparedQuery("""
                WITH ins AS (
                  INSERT INTO identities (tenant_id, okta_user_id, status, login, email, second_email, first_name,
                                          last_name, last_login, password_changed, okta_last_updated, monitored)
                  SELECT 'bare', u.id, 'ACTIVE', u.login, u.login, '', u.name, u.name, u.t, u.t, u.t, true
                  FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS u(id, login, name, t)
                  RETURNING identity_id, login)
                INSERT INTO identifiers (tenant_id, value, kind, identity_id)
                SELECT 'bare', login, 'LOGIN', identity_id FROM ins
                """)
            .execute(Tuple.tuple().addArrayOfString(ids).addArrayOfString(logins).addArrayOfString(names)
                .addArrayOfOffsetDateTime(times))));
      }
      for (var write : inFlight) {
        write.await(60, TimeUnit.SECONDS);
      }
      return users / ((System.nanoTime() - start) / 1e9);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      pool.close();
    }
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  static void print(Result r, Integer rateLimit, int windowSeconds) {
    System.out.println();
    if (rateLimit == null) {
      System.out.printf(Locale.ROOT, "sync of %,d simulated users (identifiers on): %.1f s, %,.0f users/s, peak heap %d MB"
          + " (simulator in the same JVM)%n", r.users(), r.seconds(), r.usersPerSecond(), r.peakHeapBytes() >> 20);
      System.out.printf(Locale.ROOT, "bare bulk insert of the same rows (identity + identifier): %,.0f rows/s;"
          + " sync reaches %.0f %% of it%n", r.bareRowsPerSecond(), 100 * r.usersPerSecond() / r.bareRowsPerSecond());
      System.out.printf(Locale.ROOT, "targets: <= 60 s for 1,000,000 users, <= 256 MB heap, >= 50 %% of bare insert%n");
    } else {
      System.out.printf(Locale.ROOT, "rate-limited sync of %,d users at L = %d list requests per %d s: %.1f s,"
          + " %,.0f users/s = %.1f %% of the ceiling L x 200 users per window; 429s served: %d%n",
          r.users(), rateLimit, windowSeconds, r.seconds(), r.usersPerSecond(), 100 * r.ceilingShare(), r.served429());
      System.out.printf(Locale.ROOT, "target: >= 90 %% of the ceiling, no 429 storms%n");
    }
  }

  private static Map<String, String> args(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        String key = args[i].substring(2);
        String value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "true";
        out.put(key, value);
      }
    }
    return out;
  }
}
