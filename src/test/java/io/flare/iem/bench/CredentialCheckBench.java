package io.flare.iem.bench;

import ch.qos.logback.classic.Level;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.FieldMask;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.config.AppConfig;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckOutcome;
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
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.slf4j.LoggerFactory;

/**
 * Benchmark of CredentialCheckService over gRPC (grpc-java clients, as Flare's services call it),
 * against real embedded PostgreSQL and Redis and the simulated Okta org, all on this machine:
 * <ol>
 *   <li>decisions per second and p50/p99 latency on the paths that need no Okta call (a username no
 *       identity has: NOT_FOUND; an idempotent replay of a request id), at the highest rate the
 *       service sustains and at a fixed 1,000 per second (open loop: latency counts from the
 *       scheduled send time, so a stall is not hidden);</li>
 *   <li>authn attempts per minute against the org's authn share: many identities, one wrong password
 *       each, with the simulated org's authn bucket at 300 per 10-second window (1,800 a minute),
 *       of which the checks may use {@code IEM_CHECK_AUTHN_SHARE} (0.2 by default).</li>
 * </ol>
 * Run it with:
 * <pre>
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.flare.iem.bench.CredentialCheckBench
 * </pre>
 * Optional system properties: {@code -Dbench.seconds=15} (per phase), {@code -Dbench.concurrency=128}.
 * {@link Benchmarks} runs it with the others and prints one table.
 */
public final class CredentialCheckBench {

  static final String TENANT = "bench";
  static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 128);
  static final int CHANNELS = 4;
  static final int AUTHN_WINDOW_SECONDS = 10;
  static final int AUTHN_LIMIT_PER_WINDOW = 300;
  static final double AUTHN_SHARE = 0.2;

  /** Decisions on one path: requests sent, decided as expected, failed; rate and latency. */
  public record Decisions(String path, int sent, int ok, int errors, double seconds, double p50Millis,
      double p99Millis) {

    public double perSecond() {
      return ok / seconds;
    }

    String row(String target) {
      return String.format(Locale.ROOT, "%-34s %10d %10.0f %9.2f %9.2f %9d   %s", path, sent, perSecond(), p50Millis,
          p99Millis, errors, target);
    }
  }

  /**
   * Authn attempts against the org's authn share: attempts per minute over the rate-limit windows
   * the phase fully covered, the share per minute, the busiest window against the share per
   * window, and the 429s served.
   */
  public record Authn(double seconds, long offered, long attempts, double perMinute, double sharePerMinute,
      int completeWindows, int busiestWindow, int sharePerWindow, long served429) {}

  /** Everything one run measured. */
  public record Results(int secondsPerPhase, Decisions notFoundMax, Decisions replayMax, Decisions notFoundFixed,
      Decisions replayFixed, Authn authn) {}

  private final int seconds;
  private final List<CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub> stubs = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  private CredentialCheckBench(int seconds) {
    this.seconds = seconds;
  }

  public static void main(String[] args) throws Exception {
    quietLogs();
    int exit = 0;
    try {
      print(run(Integer.getInteger("bench.seconds", 15)));
    } catch (Throwable t) {
      t.printStackTrace();
      exit = 1;
    }
    System.exit(exit);
  }

  static void quietLogs() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
  }

  /**
   * Starts one service instance on a fresh database of the test servers (embedded PostgreSQL and
   * Redis) and measures; {@code seconds} per decision phase (warm-up at least 15 s; the authn phase
   * lasts {@code max(30, 4 × seconds)} s).
   */
  public static Results run(int seconds) throws Exception {
    CallContext.init();
    AppConfig.Postgres pg = TestServers.newDatabase();
    AppConfig config = TestServers.config(pg, Map.of("IEM_CHECK_AUTHN_SHARE", Double.toString(AUTHN_SHARE)));
    try (RunningService service = RunningService.start(config)) {
      return new CredentialCheckBench(seconds).run(service, pg);
    }
  }

  private Results run(RunningService service, AppConfig.Postgres pg) throws Exception {
    Vertx vertx = Vertx.vertx();
    OktaSimulator sim = Await.result(OktaSimulator.start(vertx, new OktaSimulator.Options().users(0)
        .mixedStatuses(false)
        .rateLimitWindow(Duration.ofSeconds(AUTHN_WINDOW_SECONDS))));
    sim.unlimited().limit(SimBucket.AUTHN, AUTHN_LIMIT_PER_WINDOW);
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(TENANT)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(1_000_000))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
    OktaSims.trust(sim.app(), service, service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(TENANT).setIntegration(Integration.newBuilder().setDisplayName("Bench")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(1)).build())
        .getIntegration());
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(new PgConnectOptions()
        .setHost(pg.host()).setPort(pg.port()).setDatabase(pg.database()).setUser(pg.user())
        .setPassword(pg.password())).using(vertx).build();
    // the integration's initial sync (of the still empty org) ends before anything is measured: its
    // first token request may come before the key is registered, and its retry must not land in a phase
    long syncDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (Await.result(pool.preparedQuery(
        "SELECT EXISTS (SELECT 1 FROM sync_runs WHERE tenant_id = $1 AND state IN ('QUEUED', 'RUNNING'))")
        .execute(io.vertx.sqlclient.Tuple.of(TENANT))).iterator().next().getBoolean(0)) {
      if (System.nanoTime() > syncDeadline) {
        throw new IllegalStateException("the initial sync did not end within 120 s");
      }
      Thread.sleep(100);
    }
    int authnSeconds = Math.max(30, seconds * 4);
    List<String> logins = identities(sim, pool, 3_000);
    List<ManagedChannel> channels = new ArrayList<>();
    // Calls carry a caller token, as production requires: its verification is part of each decision.
    for (int i = 0; i < CHANNELS; i++) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.app.grpcPort()).usePlaintext()
          .intercept(RunningService.freshAdminBearer()).build();
      channels.add(channel);
      stubs.add(CredentialCheckServiceGrpc.newFutureStub(channel));
    }
    try {
      IntFunction<CheckCredentialRequest> notFound = i -> request("nobody-" + i + "@elsewhere.example", "req-nf-" + i);
      IntFunction<CheckCredentialRequest> warmup = i -> request("warm-" + i + "@elsewhere.example", "req-warm-" + i);
      maxRate("warm-up", warmup, Math.max(seconds, 15), 0); // JIT, pools, prepared statements

      Decisions nfMax = maxRate("NOT_FOUND, max rate", notFound, seconds, 1_000_000);
      int replayable = nfMax.sent();
      Decisions replayMax = maxRate("idempotent replay, max rate", i -> request("nobody-" + (i % replayable)
          + "@elsewhere.example", "req-nf-" + (i % replayable)), seconds, 0);
      Decisions nfFixed = fixedRate("NOT_FOUND, fixed 1,000/s", i -> request("fixed-" + i + "@elsewhere.example",
          "req-fixed-" + i), 1_000, seconds);
      Decisions replayFixed = fixedRate("idempotent replay, fixed 1,000/s", i -> request("nobody-" + (i % replayable)
          + "@elsewhere.example", "req-nf-" + (i % replayable)), 1_000, seconds);
      Authn authn = authnShare(sim, logins, authnSeconds);
      return new Results(seconds, nfMax, replayMax, nfFixed, replayFixed, authn);
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
      Await.result(sim.stop());
      Await.result(pool.close());
      Await.result(vertx.close());
    }
  }

  static void print(Results r) {
    System.out.printf(Locale.ROOT, "%nCredentialCheck benchmark: %d s per phase, %d cores, one service instance,"
        + " embedded PostgreSQL and Redis, simulated Okta, %d gRPC connections%n%n", r.secondsPerPhase(),
        Runtime.getRuntime().availableProcessors(), CHANNELS);
    System.out.printf("%-34s %10s %10s %9s %9s %9s   %s%n", "path", "requests", "decisions/s", "p50 ms", "p99 ms",
        "errors", "target (product.md)");
    System.out.println(r.notFoundMax().row("≥ 3,000 decisions/s"));
    System.out.println(r.replayMax().row("≥ 3,000 decisions/s"));
    System.out.println(r.notFoundFixed().row("p99 ≤ 25 ms"));
    System.out.println(r.replayFixed().row("p99 ≤ 25 ms"));
    Authn a = r.authn();
    System.out.printf(Locale.ROOT, "%nauthn attempts against the org's authn share (%.0f s, %d identities offered, one"
        + " wrong password each):%n", a.seconds(), a.offered());
    System.out.printf(Locale.ROOT, "  Okta authn limit %d per %d s window = %d/min; share %.0f%% = %d per window ="
        + " %.0f/min%n", AUTHN_LIMIT_PER_WINDOW, AUTHN_WINDOW_SECONDS, AUTHN_LIMIT_PER_WINDOW * 60
        / AUTHN_WINDOW_SECONDS, AUTHN_SHARE * 100, a.sharePerWindow(), a.sharePerMinute());
    System.out.printf(Locale.ROOT, "  attempts made: %d; %.0f/min over the %d complete windows (%.0f%% of the share);"
        + " busiest window %d (share allows %d); 429s served %d%n", a.attempts(), a.perMinute(), a.completeWindows(),
        100 * a.perMinute() / a.sharePerMinute(), a.busiestWindow(), a.sharePerWindow(), a.served429());
    System.out.println("  target: never above the share (real employees keep the rest), no 429 storms");
  }

  // ---- decisions ------------------------------------------------------------------------------

  private Decisions maxRate(String path, IntFunction<CheckCredentialRequest> requests, int seconds, int offset)
      throws Exception {
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    Collector c = new Collector(seconds * 20_000);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long start = System.nanoTime();
    int i = 0;
    while (System.nanoTime() < end) {
      inFlight.acquire();
      long sentAt = System.nanoTime();
      send(requests.apply(offset + i++), sentAt, c, inFlight::release);
    }
    inFlight.acquire(CONCURRENCY);
    double elapsed = (System.nanoTime() - start) / 1e9;
    return c.result(path, i, elapsed);
  }

  private Decisions fixedRate(String path, IntFunction<CheckCredentialRequest> requests, int perSecond, int seconds)
      throws Exception {
    Collector c = new Collector(perSecond * seconds + 10);
    int total = perSecond * seconds;
    long intervalNanos = 1_000_000_000L / perSecond;
    long start = System.nanoTime();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < total; i++) {
      long due = start + i * intervalNanos;
      Pace.until(due);
      send(requests.apply(i), due, c, done::incrementAndGet); // latency from the scheduled time: open loop
    }
    while (done.get() < total) {
      Thread.sleep(5);
    }
    timer.shutdownNow();
    return c.result(path, total, (System.nanoTime() - start) / 1e9);
  }

  private void send(CheckCredentialRequest request, long sentAt, Collector c, Runnable after) {
    var stub = stubs.get(Math.floorMod(next.getAndIncrement(), stubs.size())).withDeadlineAfter(30, TimeUnit.SECONDS);
    Futures.addCallback(stub.checkCredential(request), new FutureCallback<CheckCredentialResponse>() {
      @Override
      public void onSuccess(CheckCredentialResponse r) {
        c.record(System.nanoTime() - sentAt, r.getCheck().getOutcome() == CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
        after.run();
      }

      @Override
      public void onFailure(Throwable t) {
        c.record(System.nanoTime() - sentAt, false);
        after.run();
      }
    }, MoreExecutors.directExecutor());
  }

  static final class Collector {
    final long[] latencies;
    final AtomicInteger count = new AtomicInteger();
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();

    Collector(int capacity) {
      latencies = new long[capacity];
    }

    void record(long nanos, boolean success) {
      int i = count.getAndIncrement();
      if (i < latencies.length) {
        latencies[i] = nanos / 1_000;
      }
      if (success) {
        ok.incrementAndGet();
      } else {
        errors.incrementAndGet();
      }
    }

    Decisions result(String path, int sent, double seconds) {
      long[] sorted = Arrays.copyOf(latencies, Math.min(count.get(), latencies.length));
      Arrays.sort(sorted);
      return new Decisions(path, sent, ok.get(), errors.get(), seconds, percentile(sorted, 0.50) / 1000.0,
          percentile(sorted, 0.99) / 1000.0);
    }
  }

  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  private static CheckCredentialRequest request(String username, String requestId) {
    return CheckCredentialRequest.newBuilder().setTenantId(TENANT).setUsername(username)
        .setPassword("Bench-Password-1").setRequestId(requestId).build();
  }

  // ---- authn share ----------------------------------------------------------------------------

  private Authn authnShare(OktaSimulator sim, List<String> logins, int seconds) throws Exception {
    int perWindow = (int) Math.floor(AUTHN_LIMIT_PER_WINDOW * AUTHN_SHARE);
    double sharePerMinute = perWindow * (60.0 / AUTHN_WINDOW_SECONDS);
    long served429 = sim.counters().served429();
    long before = sim.counters().authnCalls();
    long start = System.nanoTime();
    AtomicLong answered = new AtomicLong();
    Semaphore inFlight = new Semaphore(64);
    Collector c = new Collector(logins.size());
    for (int i = 0; i < logins.size() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds); i++) {
      inFlight.acquire();
      CheckCredentialRequest r = CheckCredentialRequest.newBuilder().setTenantId(TENANT).setUsername(logins.get(i))
          .setPassword("Wrong-" + i).setRequestId("req-authn-" + i).build();
      send(r, System.nanoTime(), c, () -> {
        answered.incrementAndGet();
        inFlight.release();
      });
    }
    long remaining = TimeUnit.SECONDS.toNanos(seconds) - (System.nanoTime() - start);
    if (remaining > 0) {
      TimeUnit.NANOSECONDS.sleep(remaining);
    }
    double minutes = (System.nanoTime() - start) / 60e9;
    long startMillis = System.currentTimeMillis() - (long) (minutes * 60_000);
    long endMillis = System.currentTimeMillis();
    long attempts = sim.counters().authnCalls() - before;
    Map<Long, Integer> windows = sim.counters().acceptedPerWindow("anonymous", SimBucket.AUTHN);
    int busiest = windows.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    long windowMillis = AUTHN_WINDOW_SECONDS * 1000L;
    List<Integer> complete = windows.entrySet().stream()
        .filter(e -> e.getKey() >= startMillis && e.getKey() + windowMillis <= endMillis)
        .map(Map.Entry::getValue).toList();
    double perMinute = complete.stream().mapToInt(Integer::intValue).average().orElse(0) * 60 / AUTHN_WINDOW_SECONDS;
    return new Authn(minutes * 60, answered.get(), attempts, perMinute, sharePerMinute, complete.size(), busiest,
        perWindow, sim.counters().served429() - served429);
  }

  private static List<String> identities(OktaSimulator sim, Pool pool, int count) {
    List<String> logins = new ArrayList<>();
    String[] ids = new String[count];
    String[] loginArray = new String[count];
    for (int i = 0; i < count; i++) {
      SimUser u = sim.addUser("user" + i + "@bench.example", "User" + i, "Bench", "ACTIVE");
      sim.setPasswordChanged(u.id(), java.time.Instant.now().minus(Duration.ofDays(90)));
      ids[i] = u.id();
      loginArray[i] = u.login();
      logins.add(u.login());
    }
    Await.result(pool.preparedQuery("""
        INSERT INTO identities (tenant_id, okta_user_id, login, email, status, password_changed, monitored)
        SELECT $1, u.id, u.login, u.login, 'ACTIVE', $4, true FROM unnest($2::text[], $3::text[]) AS u(id, login)
        """).execute(Tuple.of(TENANT, ids, loginArray, OffsetDateTime.now(ZoneOffset.UTC).minusDays(90))));
    return logins;
  }
}
