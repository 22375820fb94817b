package io.flare.iem.bench;

import com.google.protobuf.FieldMask;
import io.flare.iem.App;
import io.flare.iem.config.AppConfig;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.ScriptedDomains;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * A quick probe of the check paths, for profiling (not the benchmark table): one CheckCredentials
 * stream of {@code --stream N} leaks (99 % no identity, 1 % an identity whose right password
 * reaches Okta), unary NOT_FOUND checks, and unary checks that reach Okta, each with the SQL
 * statements, Redis commands and HTTP requests the service's Vert.x sent per check (counted by a
 * tracer). The simulator runs in this JVM.
 * <pre>
 * ./mvnw -o -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.flare.iem.bench.PerfProbe \
 *   -Dexec.args="--stream 20000 --unary 5000 --okta 300"
 * </pre>
 */
public final class PerfProbe {

  private static final String TENANT = "probe";

  /** Counts what the service's Vert.x sends: SQL by statement, Redis commands, HTTP requests. */
  static final class Counting implements VertxTracer<Object, Object> {
    final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> sql = new ConcurrentHashMap<>();

    @Override
    public <R> Object sendRequest(Context context, SpanKind kind, TracingPolicy policy, R request, String operation,
        BiConsumer<String, String> headers, TagExtractor<R> tags) {
      Map<String, String> t = tags.extract(request);
      String system = t.getOrDefault("db.system", t.containsKey("http.url") ? "http" : operation);
      byKind.computeIfAbsent(system, k -> new AtomicLong()).incrementAndGet();
      String statement = t.getOrDefault("db.query.text", t.get("db.statement"));
      if (statement != null && !"redis".equals(system)) {
        String key = statement.strip().replaceAll("\\s+", " ");
        sql.computeIfAbsent(key.substring(0, Math.min(90, key.length())), k -> new AtomicLong()).incrementAndGet();
      }
      return null;
    }

    Map<String, Long> snapshot() {
      Map<String, Long> out = new TreeMap<>();
      byKind.forEach((k, v) -> out.put(k, v.get()));
      return out;
    }

    void reset() {
      byKind.clear();
      sql.clear();
    }
  }

  public static void main(String[] args) throws Exception {
    CredentialCheckBench.quietLogs();
    int stream = 0;
    int unary = 0;
    int okta = 0;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--stream" -> stream = Integer.parseInt(args[i + 1]);
        case "--unary" -> unary = Integer.parseInt(args[i + 1]);
        case "--okta" -> okta = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    int exit = 0;
    try {
      run(stream, unary, okta);
    } catch (Throwable t) {
      t.printStackTrace();
      exit = 1;
    }
    System.exit(exit);
  }

  static void run(int streamSize, int unary, int okta) throws Exception {
    CallContext.init();
    Counting counting = new Counting();
    VertxTracerFactory factory = new VertxTracerFactory() {
      @Override
      public VertxTracer tracer(TracingOptions options) {
        return counting;
      }
    };
    AppConfig.Postgres pg = TestServers.newDatabase();
    AppConfig config = TestServers.config(pg, Map.of("IEM_CHECK_AUTHN_SHARE", "1.0"));
    Vertx vertx = Vertx.builder().withTracer(factory).build();
    Vertx simVertx = Vertx.vertx();
    App app = Await.result(App.start(vertx, config, java.time.Clock.systemUTC(), new ScriptedDomains()));
    OktaSimulator sim = Await.result(OktaSimulator.start(simVertx, new OktaSimulator.Options().users(0)
        .mixedStatuses(false)));
    sim.unlimited();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", app.grpcPort()).usePlaintext()
        .intercept(RunningService.freshAdminBearer()).build();
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(new PgConnectOptions()
        .setHost(pg.host()).setPort(pg.port()).setDatabase(pg.database()).setUser(pg.user())
        .setPassword(pg.password())).using(simVertx).build();
    try {
      var integrations = IntegrationConfigServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      integrations.updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(TENANT)
          .setSettings(TenantSettings.newBuilder().setIdentifierCap(1_000_000))
          .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
      OktaSims.trust(sim.app(), "http://127.0.0.1:" + app.httpPort(), integrations.createIntegration(CreateIntegrationRequest.newBuilder()
          .setTenantId(TENANT).setIntegration(Integration.newBuilder().setDisplayName("Probe")
              .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(5))
          .build()).getIntegration());
      waitForSync(pool);
      List<SimUser> users = identities(sim, pool, Math.max(1, streamSize / 100) + okta + 50);
      var stub = CredentialCheckServiceGrpc.newFutureStub(channel);
      int next = 0;
      // warm-up: JIT, prepared statements, the Okta token
      unaryRun(stub, 2_000, i -> notFound("warm-" + i), 64, CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
      unaryRun(stub, 20, i -> reaching(users.get(i)), 8, CheckOutcome.CHECK_OUTCOME_VALID);
      next += 20;
      if (unary > 0) {
        counting.reset();
        double rate = unaryRun(stub, unary, i -> notFound("nf-" + i), 128, CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
        System.out.printf(Locale.ROOT, "unary NOT_FOUND: %d checks, %.0f/s; per check %s%n", unary, rate,
            perCheck(counting, unary));
      }
      if (okta > 0) {
        int from = next;
        counting.reset();
        int conc = Integer.getInteger("probe.okta.concurrency", 8);
        double rate = unaryRun(stub, okta, i -> reaching(users.get(from + i)), conc, CheckOutcome.CHECK_OUTCOME_VALID);
        next += okta;
        System.out.printf(Locale.ROOT, "unary reaching Okta (VALID, %d in flight): %d checks, %.0f/s; per check %s%n",
            conc, okta, rate, perCheck(counting, okta));
        counting.sql.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> System.out.printf(
            Locale.ROOT, "   %6.2f  %s%n", e.getValue().get() / (double) okta, e.getKey()));
      }
      if (streamSize > 0) {
        int from = next;
        counting.reset();
        long heapBefore = usedHeap();
        boolean withMatched = !Boolean.getBoolean("probe.stream.nomatch");
        double rate = streamRun(channel, streamSize, i -> withMatched && i % 100 == 50 && from + i / 100 < users.size()
            ? reachingItem(users.get(from + i / 100), "s-" + i) : notFoundItem("s-" + i));
        System.out.printf(Locale.ROOT, "stream: %d leaks, %.0f/s; per leak %s; heap before %d MB%n", streamSize, rate,
            perCheck(counting, streamSize), heapBefore >> 20);
        counting.sql.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> System.out.printf(
            Locale.ROOT, "   %8.4f  %s%n", e.getValue().get() / (double) streamSize, e.getKey()));
        System.out.printf(Locale.ROOT, "bare batched insert of %d NOT_FOUND rows (256 a statement, 4 in flight): %.0f/s%n",
            streamSize, bareInsert(pool, streamSize));
      }
    } finally {
      channel.shutdownNow();
      Await.result(sim.stop());
      Await.result(pool.close());
      Await.result(app.stop(), 30);
      Await.result(vertx.close());
      Await.result(simVertx.close());
    }
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private static String perCheck(Counting counting, int checks) {
    StringBuilder b = new StringBuilder();
    counting.snapshot().forEach((k, v) -> b.append(String.format(Locale.ROOT, "%s %.2f  ", k, v / (double) checks)));
    return b.toString();
  }

  interface Requests {
    CheckCredentialRequest get(int i);
  }

  private static CheckCredentialRequest notFound(String id) {
    return CheckCredentialRequest.newBuilder().setTenantId(TENANT).setUsername(id + "@nowhere.example")
        .setPassword("Probe-Password-1").setRequestId("req-" + id).build();
  }

  private static CheckCredentialRequest reaching(SimUser u) {
    return CheckCredentialRequest.newBuilder().setTenantId(TENANT).setUsername(u.login())
        .setPassword(u.password()).setRequestId("req-okta-" + u.id()).build();
  }

  private static CheckCredentialsRequest notFoundItem(String id) {
    return CheckCredentialsRequest.newBuilder().setTenantId(TENANT).setUsername(id + "@nowhere.example")
        .setPassword("Probe-Password-1").setRequestId(id).build();
  }

  private static CheckCredentialsRequest reachingItem(SimUser u, String id) {
    return CheckCredentialsRequest.newBuilder().setTenantId(TENANT).setUsername(u.login())
        .setPassword(u.password()).setRequestId(id).build();
  }

  private static double unaryRun(CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub stub, int count,
      Requests requests, int concurrency, CheckOutcome expected) throws Exception {
    Semaphore inFlight = new Semaphore(concurrency);
    AtomicInteger unexpected = new AtomicInteger();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      var f = stub.withDeadlineAfter(60, TimeUnit.SECONDS).checkCredential(requests.get(i));
      f.addListener(() -> {
        try {
          var check = f.get().getCheck();
          if (check.getOutcome() != expected) {
            if (unexpected.incrementAndGet() <= 3) {
              System.out.println("  unexpected: " + check.getOutcome() + " " + check.getDetail());
            }
          }
        } catch (Exception e) {
          if (unexpected.incrementAndGet() <= 3) {
            System.out.println("  failed: " + e);
          }
        }
        inFlight.release();
      }, Runnable::run);
    }
    inFlight.acquire(concurrency);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (unexpected.get() > 0) {
      System.out.println("  (" + unexpected.get() + " answers not " + expected + ")");
    }
    return count / seconds;
  }

  interface Items {
    CheckCredentialsRequest get(int i);
  }

  private static double streamRun(ManagedChannel channel, int total, Items items) throws Exception {
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger received = new AtomicInteger();
    AtomicInteger notOk = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    long start = System.nanoTime();
    CredentialCheckServiceGrpc.newStub(channel).withDeadlineAfter(600, TimeUnit.SECONDS)
        .checkCredentials(new ClientResponseObserver<CheckCredentialsRequest, CheckCredentialsResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<CheckCredentialsRequest> requests) {
            requests.setOnReadyHandler(() -> {
              while (requests.isReady() && sent.get() < total) {
                requests.onNext(items.get(sent.getAndIncrement()));
              }
              if (sent.get() == total) {
                sent.incrementAndGet();
                requests.onCompleted();
              }
            });
          }

          @Override
          public void onNext(CheckCredentialsResponse value) {
            received.incrementAndGet();
            if (value.hasError()) {
              notOk.incrementAndGet();
            }
          }

          @Override
          public void onError(Throwable t) {
            t.printStackTrace();
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    done.await(600, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "  stream: %d answers (%d errors) in %.2f s; heap now %d MB%n", received.get(),
        notOk.get(), seconds, usedHeap() >> 20);
    return received.get() / seconds;
  }

  /** The ceiling: the same NOT_FOUND rows as client-built array INSERTs into the same table, nothing else. */
  private static double bareInsert(Pool pool, int total) throws Exception {
    String sql = """
        INSERT INTO credential_checks (check_id, tenant_id, identity_id, username, request_id, leak_id, leak_source,
                                       leak_source_kind, outcome, detail, create_time, decide_time, update_time)
        SELECT gen_random_uuid(), $1, NULL, u, r, '', '', '', 'NOT_FOUND', 'no synced identity has this login or email',
               now(), now(), now()
        FROM unnest($2::text[], $3::text[]) AS x(u, r)
        """;
    Semaphore inFlight = new Semaphore(4);
    AtomicInteger failed = new AtomicInteger();
    long start = System.nanoTime();
    for (int from = 0; from < total; from += 256) {
      int n = Math.min(256, total - from);
      String[] users = new String[n];
      String[] ids = new String[n];
      for (int i = 0; i < n; i++) {
        users[i] = "bare-" + (from + i) + "@nowhere.example";
        ids[i] = "bare-" + (from + i);
      }
      inFlight.acquire();
      pool.preparedQuery(sql).execute(Tuple.of(TENANT, users, ids)).onComplete(ar -> {
        if (ar.failed()) {
          failed.incrementAndGet();
        }
        inFlight.release();
      });
    }
    inFlight.acquire(4);
    if (failed.get() > 0) {
      System.out.println("  bare insert: " + failed.get() + " statements failed");
    }
    return total / ((System.nanoTime() - start) / 1e9);
  }

  private static void waitForSync(Pool pool) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (Await.result(pool.preparedQuery(
        "SELECT EXISTS (SELECT 1 FROM sync_runs WHERE tenant_id = $1 AND state IN ('QUEUED', 'RUNNING'))")
        .execute(Tuple.of(TENANT))).iterator().next().getBoolean(0)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the initial sync did not end within 120 s");
      }
      Thread.sleep(100);
    }
  }

  private static List<SimUser> identities(OktaSimulator sim, Pool pool, int count) {
    List<SimUser> users = new ArrayList<>();
    String[] ids = new String[count];
    String[] logins = new String[count];
    for (int i = 0; i < count; i++) {
      SimUser u = sim.addUser("user" + i + "@probe.example", "User" + i, "Probe", "ACTIVE");
      sim.setPasswordChanged(u.id(), Instant.now().minus(Duration.ofDays(90)));
      ids[i] = u.id();
      logins[i] = u.login();
      users.add(u);
    }
    Await.result(pool.preparedQuery("""
        INSERT INTO identities (tenant_id, okta_user_id, login, email, status, password_changed, monitored)
        SELECT $1, u.id, u.login, u.login, 'ACTIVE', $4, true FROM unnest($2::text[], $3::text[]) AS u(id, login)
        """).execute(Tuple.of(TENANT, ids, logins, OffsetDateTime.now(ZoneOffset.UTC).minusDays(90))));
    return users;
  }
}
