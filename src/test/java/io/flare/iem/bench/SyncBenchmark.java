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
import io.flare.iem.oktasim.SimUser;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Syncs N simulated Okta users into Postgres through the production wiring and measures users per
 * second and peak heap, beside, in the same run, on the same simulator and Postgres:
 * <ul>
 *   <li>the physical ceiling: a bare bulk insert of the same rows (the same identities, column
 *       for column, and the same identifiers) into the same tables, as many writers as a sync
 *       run uses;</li>
 *   <li>with {@code --team}, the team baseline ({@link TeamBaseline}): the official Okta Java
 *       SDK's {@code listUsers} pages written with plain JDBC batch inserts.</li>
 * </ul>
 * Each of them starts on empty tables after a {@code CHECKPOINT}. With {@code --rate-limited L}
 * the simulator grants L list requests per window ({@code --window} seconds) and the benchmark
 * reports the share of the ceiling (L × 200 users per window) reached in the windows the run
 * fully covered, and the 429s served. {@link Benchmarks} runs all of this and more in one table.
 *
 * <pre>
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.SyncBenchmark -Dexec.args="--users 1000000 --team"
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.SyncBenchmark -Dexec.args="--rate-limited 60 --window 10 --users 60000"
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.SyncBenchmark -Dexec.args="--users 10000000 --no-bare"
 * </pre>
 *
 * The simulator runs in a process of its own ({@link SimProcess}): its CPU and heap are not ours, but
 * it shares the machine's cores. Run it with the JVM flags of production (the exec plugin runs in
 * Maven's JVM: set {@code MAVEN_OPTS=-Xmx256m} to hold the service and the benchmark's clients to the
 * target heap).
 */
public final class SyncBenchmark {

  /** Users per page of Okta's listing, and so per rate-limited request. */
  static final int PAGE = 200;

  /**
   * One sync measurement to make: {@code users} in the simulated org; {@code rateLimit} list
   * requests per {@code windowSeconds} (null: unlimited); whether to measure the bare insert and
   * the team baseline as well.
   */
  public record Options(int users, Integer rateLimit, int windowSeconds, String batchUsers, boolean bare,
      boolean team) {}

  /**
   * Users listing requests Okta accepted in the rate-limit windows a run fully covered: how many
   * windows, their mean and their busiest.
   */
  public record Windows(int complete, double meanAccepted, int busiest) {

    static Windows of(OktaProcess sim, OktaProcess.Org org, long startMillis, long endMillis, int windowSeconds) {
      long window = windowSeconds * 1000L;
      var accepted = sim.acceptedPerWindow(org, SimBucket.USERS.name());
      int complete = 0;
      long sum = 0;
      int busiest = 0;
      for (var e : accepted.entrySet()) {
        if (e.getKey() >= startMillis && e.getKey() + window <= endMillis) {
          complete++;
          sum += e.getValue();
        }
        if (e.getKey() + window > startMillis && e.getKey() < endMillis) {
          busiest = Math.max(busiest, e.getValue());
        }
      }
      return new Windows(complete, complete == 0 ? 0 : (double) sum / complete, busiest);
    }
  }

  /**
   * One way of getting the org's users into Postgres, measured: rows written, wall time, peak heap
   * (in use; in use right after a collection), Okta requests and 429s, (rate-limited) the
   * accepted requests per window, and the time spent waiting for Okta pages when the measured
   * code is sequential enough to tell (NaN otherwise).
   */
  public record Measured(long users, long identifiers, double seconds, long peakHeapBytes, long peakHeapAfterGcBytes,
      long requests, long served429, Windows windows, double oktaSeconds) {

    public double perSecond() {
      return users / seconds;
    }

    /** Users per minute in the windows the run fully covered (listing pages are full but the last). */
    public double steadyUsersPerMinute(int windowSeconds) {
      return windows.meanAccepted() * PAGE * 60.0 / windowSeconds;
    }
  }

  /**
   * The figures of one run: the sync, and the bare insert, the {@code COPY} ceiling and the team
   * baseline when asked for (else null).
   */
  public record Result(Options options, Measured sync, Measured bare, Measured copy, Measured team) {

    /** The rate-limited ceiling, L × 200 users per window, per minute. */
    public double ceilingPerMinute() {
      return options.rateLimit() * (double) PAGE * 60.0 / options.windowSeconds();
    }
  }

  private SyncBenchmark() {}

  public static void main(String[] args) {
    CredentialCheckBench.quietLogs();
    try {
      Map<String, String> a = args(args);
      Integer rateLimited = a.containsKey("rate-limited") ? Integer.parseInt(a.get("rate-limited")) : null;
      Options o = new Options(Integer.parseInt(a.getOrDefault("users", "1000000")), rateLimited,
          Integer.parseInt(a.getOrDefault("window", "60")), a.getOrDefault("batch", "1000"),
          rateLimited == null && !a.containsKey("no-bare"),
          a.containsKey("team"));
      print(run(o));
      System.exit(0);
    } catch (Throwable e) {
      e.printStackTrace(); // a benchmark program reports on its console
      System.exit(1);
    }
  }

  /** Seed and day of the simulated org's generated users (the bare insert and COPY generate the same). */
  static final long SEED = 7;

  /**
   * Runs one measurement on its own embedded Postgres, Redis and simulated org; the org is served
   * by a simulator process of its own ({@link OktaProcess}), so its CPU and heap are not ours.
   */
  public static Result run(Options o) throws Exception {
    CallContext.init();
    Path root = Path.of("target", "bench", UUID.randomUUID().toString());
    Files.createDirectories(root);
    Path keyFile = root.resolve("signing-key.pem");
    Files.writeString(keyFile, SigningKeys.generatePem()); // seals the integration's own signing key
    Instant asOf = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(root.resolve("pg"), 0, true);
        EmbeddedRedis redis = EmbeddedRedis.start(0, root.resolve("redis"));
        OktaProcess sim = OktaProcess.start(512, root.resolve("oktasim.log"))) {
      Vertx vertx = Vertx.vertx();
      try {
        OktaProcess.Org org = sim.addOrgs(1, o.users(), SEED, asOf, true, o.rateLimit() == null,
            o.rateLimit() == null ? 60 : o.windowSeconds()).get(0);
        if (o.rateLimit() != null) {
          sim.limit(org, SimBucket.USERS.name(), o.rateLimit() * 2); // the headers show our app's 50 % share: L
        }
        var population = OktaSimulator.population(new OktaSimulator.Options().users(o.users()).seed(SEED)
            .asOf(asOf).mixedStatuses(true));
        Measured sync = Profiler.around("sync-" + o.users(), () -> sync(vertx, sim, org, pg, redis, keyFile, root, o));
        Measured bare = o.bare() ? bareInsert(vertx, pg, population, o.users()) : null;
        Measured copy = o.bare() ? CopyCeiling.run(pg.port(), population, o.users()) : null;
        Measured team = o.team() ? TeamBaseline.run(sim, org, keyFile, pg.port(), o.rateLimit(), o.windowSeconds())
            : null;
        return new Result(o, sync, bare, copy, team);
      } finally {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    } finally {
      deleteQuietly(root); // a million users leave about a gigabyte behind
    }
  }

  /** Creates the integration (which starts the initial full sync) and waits for the run to end. */
  private static Measured sync(Vertx vertx, OktaProcess sim, OktaProcess.Org org, EmbeddedPostgres pg,
      EmbeddedRedis redis, Path keyFile, Path root, Options o) throws Exception {
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
    env.put("IEM_SYNC_OKTA_SHARE", "1.0");
    env.put("IEM_SYNC_BATCH_USERS", o.batchUsers());
    env.put("IEM_DEV_DATA_DIR", root.resolve("dev-data").toString());
    env.putAll(TestIssuer.shared().env());
    AppConfig config = AppConfig.fromEnv(env);
    App app = App.start(vertx, config).await(2, TimeUnit.MINUTES);
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", app.grpcPort()).usePlaintext()
        .intercept(RunningService.freshAdminBearer()).build();
    try {
      var integrations = IntegrationConfigServiceGrpc.newBlockingStub(channel);
      var sync = IdentitySyncServiceGrpc.newBlockingStub(channel);
      integrations.updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId("bench")
          .setSettings(TenantSettings.newBuilder().setIdentifierCap(o.users() * 3).setAutoIdentifiersEnabled(true))
          .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("auto_identifiers_enabled"))
          .build());
      Pool statements = pool(vertx, pg, 1);
      Profiler.resetStatements(statements);
      sql(vertx, pg, "CHECKPOINT");
      long served429 = sim.served429(org.index(), org.index() + 1);
      HeapWatch.reset();
      long startMillis = System.currentTimeMillis();
      long start = System.nanoTime();
      // the admin's step, at once: the first token request may come before it and wait ~0.25 s
      Integration created = integrations.createIntegration(CreateIntegrationRequest.newBuilder().setTenantId("bench")
          .setIntegration(Integration.newBuilder().setDisplayName("Benchmark org").setOktaDomain(org.baseUrl())
              .setClientId(org.clientId()).setAutoCreateIdentifiers(true)).build()).getIntegration();
      sim.jwksUrl(org, "http://127.0.0.1:" + app.httpPort() + java.net.URI.create(created.getJwksUrl()).getPath());
      SyncRun run = awaitRun(sync, "bench");
      Profiler.statements(statements, "sync-" + o.users(), run.getUsersSeen(), "user");
      statements.close();
      double seconds = (System.nanoTime() - start) / 1e9;
      long endMillis = System.currentTimeMillis();
      HeapWatch.Peaks heap = HeapWatch.peaks();
      if (run.getState() != SyncRunState.SYNC_RUN_STATE_SUCCEEDED) {
        throw new IllegalStateException("sync ended " + run.getState() + ": " + run.getErrorMessage());
      }
      Windows windows = o.rateLimit() == null ? null : Windows.of(sim, org, startMillis, endMillis,
          o.windowSeconds());
      return new Measured(run.getUsersSeen(), run.getIdentifiersCreated(), seconds, heap.used(), heap.afterGc(),
          run.getOktaRequests(), sim.served429(org.index(), org.index() + 1) - served429, windows, Double.NaN);
    } finally {
      channel.shutdownNow();
      app.stop().await(30, TimeUnit.SECONDS);
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

  private static final String BARE_IDENTITIES = """
      INSERT INTO identities (identity_id, tenant_id, okta_user_id, status, login, email, second_email, first_name,
                              last_name, last_login, password_changed, okta_last_updated, seen_run_id,
                              status_change_time, monitored)
      SELECT u.identity_id, 'bare', u.okta_user_id, u.status, u.login, u.email, u.second_email, u.first_name,
             u.last_name, u.last_login, u.password_changed, u.okta_last_updated, $11, now(),
             u.status <> 'DEPROVISIONED'
      FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                  $9::timestamptz[], $10::timestamptz[], $12::timestamptz[])
           AS u(identity_id, okta_user_id, status, login, email, second_email, first_name, last_name, last_login,
                password_changed, okta_last_updated)
      """;

  private static final String BARE_IDENTIFIERS = """
      INSERT INTO identifiers (tenant_id, value, kind, identity_id)
      SELECT 'bare', v.value, v.kind, v.identity_id FROM unnest($1::text[], $2::text[], $3::uuid[]) AS v(value, kind, identity_id)
      """;

  /**
   * The ceiling: the same users (from the simulator, every column the sync writes) and the same
   * identifiers (login, email, second email; trimmed, lower-cased, deduplicated; none for
   * DEPROVISIONED users), written into the same tables with the same indexes as bare array
   * inserts: ids made by the client, no conflict handling, 1,000 users per transaction, two
   * transactions in flight (as many writers as a sync run uses), starting from empty tables.
   */
  static Measured bareInsert(Vertx vertx, EmbeddedPostgres pg, java.util.function.IntFunction<SimUser> population,
      int users) {
    Pool pool = pool(vertx, pg, 2);
    try {
      pool.query("TRUNCATE identities CASCADE").execute().await(120, TimeUnit.SECONDS);
      pool.query("CHECKPOINT").execute().await(120, TimeUnit.SECONDS);
      pool.query("INSERT INTO tenants (tenant_id, identifier_cap) VALUES ('bare', 0)").execute()
          .await(30, TimeUnit.SECONDS);
      HeapWatch.reset();
      long start = System.nanoTime();
      UUID runId = UUID.randomUUID();
      ArrayDeque<io.vertx.core.Future<Long>> inFlight = new ArrayDeque<>();
      long identifiers = 0;
      for (int from = 0; from < users; from += 1000) {
        if (inFlight.size() == 2) {
          identifiers += inFlight.pollFirst().await(60, TimeUnit.SECONDS);
        }
        int n = Math.min(1000, users - from);
        UUID[] ids = new UUID[n];
        String[][] text = new String[7][n];
        OffsetDateTime[][] times = new OffsetDateTime[3][n];
        String[] values = new String[3 * n];
        String[] kinds = new String[3 * n];
        UUID[] owners = new UUID[3 * n];
        int k = 0;
        for (int i = 0; i < n; i++) {
          SimUser u = population.apply(from + i);
          ids[i] = UUID.randomUUID();
          text[0][i] = u.id();
          text[1][i] = u.status();
          text[2][i] = orEmpty(u.login());
          text[3][i] = orEmpty(u.email());
          text[4][i] = orEmpty(u.secondEmail());
          text[5][i] = orEmpty(u.firstName());
          text[6][i] = orEmpty(u.lastName());
          times[0][i] = time(u.lastLoginMillis());
          times[1][i] = time(u.passwordChangedMillis());
          times[2][i] = time(u.lastUpdatedMillis());
          if (!"DEPROVISIONED".equals(u.status())) {
            String login = normal(u.login());
            String email = normal(u.email());
            String second = normal(u.secondEmail());
            if (!login.isEmpty()) {
              values[k] = login;
              kinds[k] = "LOGIN";
              owners[k++] = ids[i];
            }
            if (!email.isEmpty() && !email.equals(login)) {
              values[k] = email;
              kinds[k] = "EMAIL";
              owners[k++] = ids[i];
            }
            if (!second.isEmpty() && !second.equals(login) && !second.equals(email)) {
              values[k] = second;
              kinds[k] = "SECOND_EMAIL";
              owners[k++] = ids[i];
            }
          }
        }
        Tuple identities = Tuple.tuple().addArrayOfUUID(ids).addArrayOfString(text[0]).addArrayOfString(text[1])
            .addArrayOfString(text[2]).addArrayOfString(text[3]).addArrayOfString(text[4])
            .addArrayOfString(text[5]).addArrayOfString(text[6]).addArrayOfOffsetDateTime(times[0])
            .addArrayOfOffsetDateTime(times[1]).addUUID(runId).addArrayOfOffsetDateTime(times[2]);
        Tuple idents = Tuple.tuple().addArrayOfString(java.util.Arrays.copyOf(values, k))
            .addArrayOfString(java.util.Arrays.copyOf(kinds, k)).addArrayOfUUID(java.util.Arrays.copyOf(owners, k));
        inFlight.addLast(pool.withTransaction(tx -> tx.preparedQuery(BARE_IDENTITIES).execute(identities)
            .compose(x -> tx.preparedQuery(BARE_IDENTIFIERS).execute(idents))
            .map(rows -> (long) rows.rowCount())));
      }
      for (var write : inFlight) {
        identifiers += write.await(60, TimeUnit.SECONDS);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      HeapWatch.Peaks heap = HeapWatch.peaks();
      pool.query("TRUNCATE identities CASCADE").execute().await(120, TimeUnit.SECONDS);
      return new Measured(users, identifiers, seconds, heap.used(), heap.afterGc(), 0, 0, null, Double.NaN);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      pool.close();
    }
  }

  /** Waits for the start of the simulator's next rate-limit window (windows are aligned to the epoch). */
  static void awaitNextWindow(int windowSeconds) throws InterruptedException {
    long window = windowSeconds * 1000L;
    long now = System.currentTimeMillis();
    Thread.sleep(window - Math.floorMod(now, window) + 20);
  }

  private static void sql(Vertx vertx, EmbeddedPostgres pg, String statement) throws Exception {
    Pool pool = pool(vertx, pg, 1);
    try {
      pool.query(statement).execute().await(120, TimeUnit.SECONDS);
    } finally {
      pool.close();
    }
  }

  private static Pool pool(Vertx vertx, EmbeddedPostgres pg, int size) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(new PgConnectOptions()
        .setHost("127.0.0.1").setPort(pg.port()).setDatabase("postgres").setUser("postgres").setPassword("postgres"))
        .using(vertx).build();
  }

  private static OffsetDateTime time(long millis) {
    return millis == SimUser.NONE ? null : Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
  }

  private static String normal(String s) {
    return s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (Exception ignored) {
      // best effort: target/ is cleaned by the build anyway
    }
  }

  static void print(Result r) {
    Options o = r.options();
    Measured s = r.sync();
    System.out.println();
    if (o.rateLimit() == null) {
      System.out.printf(Locale.ROOT, "sync of %,d simulated users (%,d identifiers): %.1f s, %,.0f users/s, peak heap"
          + " %d MB (%d MB after GC; simulator in a process of its own)%n", s.users(), s.identifiers(), s.seconds(),
          s.perSecond(), s.peakHeapBytes() >> 20, s.peakHeapAfterGcBytes() >> 20);
      Measured b = r.bare();
      System.out.printf(Locale.ROOT, "bare bulk insert of the same rows (%,d identities, %,d identifiers): %,.0f users/s;"
          + " sync reaches %.0f %% of it%n", b.users(), b.identifiers(), b.perSecond(),
          100 * s.perSecond() / b.perSecond());
      Measured c = r.copy();
      System.out.printf(Locale.ROOT, "COPY of the same rows (%,d identities, %,d identifiers): %.1f s, %,.0f users/s;"
          + " sync reaches %.0f %% of it%n", c.users(), c.identifiers(), c.seconds(), c.perSecond(),
          100 * s.perSecond() / c.perSecond());
      System.out.printf(Locale.ROOT, "targets: <= 60 s for 1,000,000 users, <= 256 MB heap, >= 50 %% of bare insert%n");
    } else {
      System.out.printf(Locale.ROOT, "rate-limited sync of %,d users at L = %d list requests per %d s: %.1f s,"
          + " %,.0f users/min in the %d windows it fully covered = %.1f %% of the ceiling L x 200 users per window"
          + " (whole run: %,.0f users/min); 429s served: %d%n", s.users(), o.rateLimit(), o.windowSeconds(),
          s.seconds(), s.steadyUsersPerMinute(o.windowSeconds()), s.windows().complete(),
          100 * s.steadyUsersPerMinute(o.windowSeconds()) / r.ceilingPerMinute(), s.perSecond() * 60, s.served429());
      System.out.printf(Locale.ROOT, "target: >= 90 %% of the ceiling, no 429 storms%n");
    }
    Measured t = r.team();
    if (t != null) {
      System.out.printf(Locale.ROOT, "team baseline (Okta SDK listUsers + JDBC batches): %,d users, %,d identifiers in"
          + " %.1f s (%.1f s of it waiting for Okta pages), %,.0f users/s, peak heap %d MB; 429s served: %d%s%n",
          t.users(), t.identifiers(), t.seconds(), t.oktaSeconds(), t.perSecond(), t.peakHeapBytes() >> 20,
          t.served429(), o.rateLimit() == null ? ""
              : String.format(Locale.ROOT, "; %,.0f users/min in %d complete windows", t.steadyUsersPerMinute(
                  o.windowSeconds()), t.windows().complete()));
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
