package io.flare.iem.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.flare.iem.audit.AuditPartitions;
import io.flare.iem.config.AppConfig;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.Integration;
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
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Growth (issue 15 part 7): what a year of leaks costs in Postgres, and whether the check path
 * slows down once it is stored.
 *
 * <ol>
 *   <li>Unary NOT_FOUND checks at the highest rate the service sustains, on empty tables.
 *   <li>A year of representative rows stored fast with {@code generate_series} (one statement per
 *       chunk): checks spread evenly over 365 days, 99 % NOT_FOUND, 1 % that reached Okta (a
 *       fingerprint, one authn attempt and one audit row each), plus one audit row per 100 checks
 *       for the rest of the trail. Bytes per 1,000,000 checks: {@code pg_total_relation_size}
 *       (heap, indexes, TOAST) of checks + attempts + every audit partition, scaled.
 *   <li>The same NOT_FOUND checks with the year stored, and replays of decided checks (a request
 *       id seen before: the stored check comes back).
 * </ol>
 *
 * Run: {@code ./mvnw -o -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.flare.iem.bench.GrowthBench -Dexec.args=--quick}, or call {@link #measure}.
 */
public final class GrowthBench {

  static final String TENANT = "growth";
  static final int CONCURRENCY = 64;
  static final int CHUNK = 250_000;

  /** How many checks a year holds, and how long each rate is measured. */
  public record Scale(int yearOfChecks, int seconds) {
    public static final Scale FULL = new Scale(5_000_000, 15);
    public static final Scale QUICK = new Scale(200_000, 5);
  }

  /** The figures: bytes per million checks, and the check rates before and with a year stored. */
  public record Figures(Scale scale, long storedChecks, long bytes, double bytesPerMillion, double seedSeconds,
      double notFoundEmptyPerSecond, double notFoundYearPerSecond, double replayYearPerSecond, int errors) {

    public double slowdown() {
      return notFoundYearPerSecond / notFoundEmptyPerSecond;
    }
  }

  public static void main(String[] args) throws Exception {
    CredentialCheckBench.quietLogs();
    Scale scale = Arrays.asList(args).contains("--quick") ? Scale.QUICK : Scale.FULL;
    int exit = 0;
    try {
      print(measure(scale));
    } catch (Throwable t) {
      t.printStackTrace();
      exit = 1;
    }
    System.exit(exit);
  }

  /** One service instance on a fresh database of the test servers (embedded PostgreSQL and Redis). */
  public static Figures measure(Scale scale) throws Exception {
    CallContext.init();
    AppConfig.Postgres pg = TestServers.newDatabase();
    try (RunningService service = RunningService.start(TestServers.config(pg, Map.of()))) {
      service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(TENANT)
          .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000))
          .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("identifier_cap")).build());
      Vertx vertx = Vertx.vertx();
      OktaSimulator sim = Await.result(OktaSimulator.start(vertx, new OktaSimulator.Options().users(0)
          .mixedStatuses(false)));
      OktaSims.trust(sim.app(), service, service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
          .setTenantId(TENANT).setIntegration(Integration.newBuilder().setDisplayName("Growth")
              .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(1)).build())
          .getIntegration());
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(new PgConnectOptions()
          .setHost(pg.host()).setPort(pg.port()).setDatabase(pg.database()).setUser(pg.user())
          .setPassword(pg.password())).using(vertx).build();
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.app.grpcPort()).usePlaintext()
          .intercept(RunningService.freshAdminBearer()).build();
      try {
        waitForInitialSync(pool);
        var stub = CredentialCheckServiceGrpc.newFutureStub(channel);
        rate(stub, i -> request("warm-" + i, "warm-" + i), Math.max(10, 2 * scale.seconds())); // JIT, pools
        Rate empty = rate(stub, i -> request("empty-" + i, "empty-" + i), scale.seconds());
        long seedStart = System.nanoTime();
        seedYear(pool, scale.yearOfChecks());
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
        long stored = count(pool, "SELECT count(*) FROM credential_checks");
        long bytes = bytes(pool);
        Rate year = rate(stub, i -> request("year-" + i, "year-" + i), scale.seconds());
        int replayable = Math.max(1, year.ok());
        Rate replay = rate(stub, i -> request("year-" + (i % replayable), "year-" + (i % replayable)),
            scale.seconds());
        return new Figures(scale, stored, bytes, bytes * 1e6 / stored, seedSeconds, empty.perSecond(),
            year.perSecond(), replay.perSecond(), empty.errors() + year.errors() + replay.errors());
      } finally {
        channel.shutdownNow();
        Await.result(sim.stop());
        Await.result(pool.close());
        Await.result(vertx.close());
      }
    }
  }

  static void print(Figures f) {
    System.out.printf(Locale.ROOT, "%nGrowth benchmark: a year of %,d checks, %d cores, one service instance,"
        + " embedded PostgreSQL and Redis%n", f.scale().yearOfChecks(), Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT, "  seeded %,d checks (+1 %% attempts, audit rows) in %.1f s%n", f.storedChecks(),
        f.seedSeconds());
    System.out.printf(Locale.ROOT, "  Postgres bytes (checks + attempts + audit, with indexes): %,d = %,.0f MB per"
        + " 1,000,000 checks%n", f.bytes(), f.bytesPerMillion() / 1e6);
    System.out.printf(Locale.ROOT, "  NOT_FOUND, empty tables:        %,8.0f checks/s%n", f.notFoundEmptyPerSecond());
    System.out.printf(Locale.ROOT, "  NOT_FOUND, a year stored:       %,8.0f checks/s (%.2f × empty)%n",
        f.notFoundYearPerSecond(), f.slowdown());
    System.out.printf(Locale.ROOT, "  decided-check replay, a year:   %,8.0f checks/s%n", f.replayYearPerSecond());
    System.out.printf(Locale.ROOT, "  errors: %d%n", f.errors());
  }

  // ---- the year of rows -------------------------------------------------------------------------

  private static final String SEED_CHECKS = """
      INSERT INTO credential_checks (check_id, tenant_id, username, request_id, leak_id, leak_source, leak_source_kind,
                                     leaked_time, password_fingerprint, outcome, detail, attempts_made, create_time,
                                     decide_time, update_time, submitted_by)
      SELECT gen_random_uuid(), $1, 'user' || g || '@example.com', 'seed-' || g, 'leak-' || (g / 1000), 'paste site',
             'combolist', t - interval '1 day',
             CASE WHEN g % 100 = 0 THEN sha256(g::text::bytea) END,
             CASE WHEN g % 100 = 0 THEN 'INVALID' ELSE 'NOT_FOUND' END,
             CASE WHEN g % 100 = 0 THEN 'Okta rejected the password' ELSE '' END,
             CASE WHEN g % 100 = 0 THEN 1 ELSE 0 END, t, t, t, 'bench-caller'
      FROM (SELECT g, now() - make_interval(secs => 365 * 86400.0 * g / $3::int) AS t FROM generate_series($2::int, $4::int) g) s
      """;

  private static final String SEED_ATTEMPTS = """
      INSERT INTO authn_attempts (tenant_id, identity_id, check_id, local_date, attempt_time, result, okta_request_id)
      SELECT $1, gen_random_uuid(), gen_random_uuid(), t::date, t, 'INVALID', 'XdQ' || md5(g::text)
      FROM (SELECT g, now() - make_interval(secs => 365 * 86400.0 * g / $3::int) AS t
            FROM generate_series($2::int, $4::int) g WHERE g % 100 = 0) s
      """;

  private static final String SEED_AUDIT = """
      INSERT INTO audit_events (tenant_id, action, actor, identity_id, okta_request_id, outcome, detail, event_time)
      SELECT $1, 'credential_check.authn_attempt', 'bench-caller', gen_random_uuid(), 'XdQ' || md5(g::text), 'INVALID',
             jsonb_build_object('check_id', gen_random_uuid()::text, 'attempt', 1, 'result', 'INVALID'), t
      FROM (SELECT g, now() - make_interval(secs => 365 * 86400.0 * g / $3::int) AS t
            FROM generate_series($2::int, $4::int) g WHERE g % 50 = 0) s
      """;

  private static void seedYear(Pool pool, int checks) {
    LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
    Await.result(new AuditPartitions(pool).ensure(YearMonth.from(today.minusDays(366)), YearMonth.from(today)));
    for (int from = 1; from <= checks; from += CHUNK) {
      Tuple args = Tuple.of(TENANT, from, checks, Math.min(checks, from + CHUNK - 1));
      for (String sql : new String[] {SEED_CHECKS, SEED_ATTEMPTS, SEED_AUDIT}) {
        Await.result(pool.preparedQuery(sql).execute(args));
      }
    }
    Await.result(pool.query("VACUUM ANALYZE credential_checks").execute());
    Await.result(pool.query("VACUUM ANALYZE authn_attempts").execute());
  }

  /** The integration's initial sync (of the empty org) ends before anything is measured. */
  private static void waitForInitialSync(Pool pool) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (count(pool, "SELECT count(*) FROM sync_runs WHERE tenant_id = '" + TENANT
        + "' AND state IN ('QUEUED', 'RUNNING')") > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the initial sync did not end within 120 s");
      }
      Thread.sleep(100);
    }
  }

  private static long bytes(Pool pool) {
    return count(pool, """
        SELECT pg_total_relation_size('credential_checks') + pg_total_relation_size('authn_attempts')
               + (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('audit_events'))
        """);
  }

  private static long count(Pool pool, String sql) {
    return Await.result(pool.query(sql).execute()).iterator().next().getLong(0);
  }

  // ---- the check rate ---------------------------------------------------------------------------

  record Rate(int ok, int errors, double seconds) {
    double perSecond() {
      return ok / seconds;
    }
  }

  private static CheckCredentialRequest request(String user, String requestId) {
    return CheckCredentialRequest.newBuilder().setTenantId(TENANT).setUsername(user + "@elsewhere.example")
        .setPassword("not-a-real-password").setRequestId("growth-" + requestId).build();
  }

  /** Closed loop: {@link #CONCURRENCY} checks in flight for {@code seconds}. */
  private static Rate rate(CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub stub,
      IntFunction<CheckCredentialRequest> requests, int seconds) throws InterruptedException {
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    for (int i = 0; System.nanoTime() < end; i++) {
      inFlight.acquire();
      Futures.addCallback(stub.withDeadlineAfter(30, TimeUnit.SECONDS).checkCredential(requests.apply(i)),
          new FutureCallback<CheckCredentialResponse>() {
            @Override
            public void onSuccess(CheckCredentialResponse r) {
              ok.incrementAndGet();
              inFlight.release();
            }

            @Override
            public void onFailure(Throwable t) {
              errors.incrementAndGet();
              inFlight.release();
            }
          }, MoreExecutors.directExecutor());
    }
    inFlight.acquire(CONCURRENCY);
    return new Rate(ok.get(), errors.get(), (System.nanoTime() - start) / 1e9);
  }
}
