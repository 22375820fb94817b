package io.flare.iem.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.flare.iem.App;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks that reach Okta (issue 15, parts 1 and 2), against one service instance in this JVM, its
 * own PostgreSQL and Redis, and {@link #ORGS} simulated orgs served by a simulator process whose
 * authn answers at once (its System Log too, which the service reads to confirm a 401: no lag) and
 * whose limits do not bind:
 * <ol>
 *   <li>decisions per second of checks that pass every gate and call authn (a synced, ACTIVE user
 *       who signed in lately; a wrong password, so Okta answers 401), spread over the orgs, 64 in
 *       flight; beside the ceiling measured in the same run ({@link OktaCeiling}: the daily cap's
 *       Redis script, the fence's transaction and one authn round trip to the same simulator,
 *       without the service);</li>
 *   <li>the same checks at a fixed 200 per second (open loop): the time the service adds, end to
 *       end minus the simulator's own time for that check's authn answer (as the simulator
 *       process measured it);</li>
 *   <li>one {@code CheckCredentials} stream ({@link StreamBench}) of many leaks, 99 % matching no
 *       identity and 1 % reaching Okta, beside a bare batched insert of the same check rows and
 *       the unary NOT_FOUND rate measured in the same run.</li>
 * </ol>
 *
 * <pre>
 * MAVEN_OPTS=-Xmx256m ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.OktaChecksBench -Dexec.args="--seconds 15 --leaks 100000"
 * </pre>
 */
public final class OktaChecksBench {

  static final int ORGS = 100;
  static final long SEED = 21;
  static final int IN_FLIGHT = 64;
  /**
   * A wrong password's check waits at least a second for the System Log to confirm the 401: at
   * {@link #IN_FLIGHT} that wait, not the service's work, caps the rate. The saturated rate is
   * measured with this many in flight too.
   */
  static final int SATURATING = 1024;
  static final int FIXED_RATE = 200;

  /** Checks of one phase: how many were sent, which outcomes came back, how fast, how late. */
  record Decisions(String path, int sent, int reachedOkta, Map<CheckOutcome, Integer> outcomes, int errors,
      double seconds, double p50Millis, double p99Millis) {
    double perSecond() {
      return reachedOkta / seconds;
    }
  }

  /** Everything measured. */
  record Results(Map<CheckOutcome, String> details, Decisions max, Decisions saturated, Decisions fixed, double addedP50Millis, double addedP99Millis, double simP99Millis,
      int matched, Decisions validMax, Decisions validFixed, double validAddedP99Millis, OktaCeiling.Result ceiling,
      StreamBench.Result stream, Map<String, Double> requestsPerInvalid, Map<String, Double> requestsPerValid) {}

  private final BenchEnv env;
  private final List<CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub> stubs = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private final List<String[]> eligible;
  private int used;
  /** One detail the service gave, per outcome: what the checks were told (e.g. whether a 401 was confirmed). */
  final Map<CheckOutcome, String> details = new ConcurrentHashMap<>();

  private OktaChecksBench(BenchEnv env, List<String[]> eligible) {
    this.env = env;
    this.eligible = eligible;
  }

  public static void main(String[] args) {
    CredentialCheckBench.quietLogs();
    List<String> a = List.of(args);
    int seconds = a.contains("--seconds") ? Integer.parseInt(a.get(a.indexOf("--seconds") + 1)) : 15;
    int leaks = a.contains("--leaks") ? Integer.parseInt(a.get(a.indexOf("--leaks") + 1)) : 100_000;
    if (a.contains("--profile")) {
      Profiler.enable();
    }
    try {
      Results r = run(seconds, leaks);
      describe(r).forEach(System.out::println);
      Profiler.summaries().forEach(s -> System.out.println("profile: " + s));
      System.exit(0);
    } catch (Throwable t) {
      t.printStackTrace(); // a benchmark program reports on its console
      System.exit(1);
    }
  }

  static List<String> describe(Results r) {
    List<String> out = new ArrayList<>();
    for (Decisions d : List.of(r.max(), r.saturated(), r.fixed(), r.validMax(), r.validFixed())) {
      out.add(String.format(Locale.ROOT, "%s: %d sent, %d reached Okta, %.0f/s, p50 %.1f ms, p99 %.1f ms, errors %d,"
          + " outcomes %s", d.path(), d.sent(), d.reachedOkta(), d.perSecond(), d.p50Millis(), d.p99Millis(),
          d.errors(), d.outcomes()));
    }
    out.add(String.format(Locale.ROOT, "time the service adds at %d/s (end to end minus the simulator's authn time,"
        + " %d checks matched): p50 %.1f ms, p99 %.1f ms; the simulator's own authn p99 %.2f ms", FIXED_RATE,
        r.matched(), r.addedP50Millis(), r.addedP99Millis(), r.simP99Millis()));
    out.add(String.format(Locale.ROOT, "right passwords (VALID, no System Log read): time the service adds at %d/s, p99"
        + " %.1f ms", FIXED_RATE, r.validAddedP99Millis()));
    out.add("Okta requests per check, wrong password: " + r.requestsPerInvalid() + "; right password: "
        + r.requestsPerValid());
    out.add("a detail per outcome: " + r.details());
    out.add(OktaCeiling.describe(r.ceiling()));
    out.add(String.format(Locale.ROOT, "checks reaching Okta / ceiling: %.2f (target >= 0.5)",
        r.max().perSecond() / r.ceiling().perSecond()));
    if (r.stream() != null) {
      out.add(StreamBench.describe(r.stream()));
    }
    return out;
  }

  /** Sets up {@link #ORGS} tenants and orgs of {@code usersPerOrg} users, then measures. */
  static Results run(int seconds, int leaks) throws Exception {
    int needed = (int) ((3 * seconds * 600 + 2 * seconds * FIXED_RATE + 2 * ORGS + 600 + leaks / 100) * 1.1);
    int usersPerOrg = Math.max(50, needed / ORGS * 5 / 4 + 20);
    Instant asOf = Instant.now().truncatedTo(ChronoUnit.DAYS);
    try (BenchEnv env = BenchEnv.start(512)) {
      App app = env.startApp(Map.of("IEM_CHECK_AUTHN_SHARE", "1.0"));
      ManagedChannel admin = BenchEnv.channel(app);
      List<ManagedChannel> channels = new ArrayList<>();
      try {
        List<OktaProcess.Org> orgs = env.sim.addOrgs(ORGS, usersPerOrg, SEED, asOf, false, true, 60);
        // Okta answers at once: authn, and the System Log the service reads to confirm a 401
        env.sim.systemLogLag(0, ORGS, 0);
        var integrations = IntegrationConfigServiceGrpc.newBlockingStub(admin);
        for (int t = 0; t < ORGS; t++) {
          Integration created = integrations.createIntegration(CreateIntegrationRequest.newBuilder()
              .setTenantId(TenantsBench.tenant(t)).setIntegration(Integration.newBuilder().setDisplayName("Org " + t)
                  .setOktaDomain(orgs.get(t).baseUrl()).setClientId(orgs.get(t).clientId())).build()).getIntegration();
          env.sim.jwksUrl(orgs.get(t), BenchEnv.jwksUrl(app, created));
        }
        var pool = env.pool(1);
        TenantsBench.awaitRuns(pool, "FULL", ORGS, TimeUnit.MINUTES.toNanos(10));
        pool.close();
        OktaChecksBench b = new OktaChecksBench(env, eligible(usersPerOrg, asOf));
        for (int i = 0; i < 4; i++) {
          ManagedChannel c = BenchEnv.channel(app);
          channels.add(c);
          b.stubs.add(CredentialCheckServiceGrpc.newFutureStub(c));
        }
        return b.measure(seconds, leaks, orgs, channels.get(0));
      } finally {
        channels.forEach(ManagedChannel::shutdownNow);
        admin.shutdownNow();
        app.stop().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private Results measure(int seconds, int leaks, List<OktaProcess.Org> orgs, ManagedChannel streamChannel)
      throws Exception {
    maxRate("warm-up", Math.max(3, seconds / 3), false, 2 * ORGS, IN_FLIGHT); // every org: token, metadata, JIT
    List<Map<String, Long>> before = env.sim.requests(0, ORGS);
    Decisions max = Profiler.around("checks-reaching-okta", () -> maxRate("reaching Okta (401), max rate", seconds,
        false, 0, IN_FLIGHT));
    Map<String, Double> perInvalid = perCheck(before, env.sim.requests(0, ORGS), max.sent());
    Decisions saturated = maxRate("reaching Okta (401), max rate, " + SATURATING + " in flight", seconds, false, 0,
        SATURATING);
    env.sim.authnServeMicros(); // forgets the answers so far
    Map<String, Long> e2e = new ConcurrentHashMap<>();
    Decisions fixed = fixedRate("reaching Okta (401), fixed " + FIXED_RATE + "/s", seconds, e2e, false);
    Map<String, Long> sim = env.sim.authnServeMicros();
    long[] added = added(e2e, sim);
    long[] simTimes = sim.values().stream().mapToLong(Long::longValue).sorted().toArray();
    before = env.sim.requests(0, ORGS);
    Decisions validMax = maxRate("reaching Okta (right password), max rate", seconds, true, 0, IN_FLIGHT);
    Map<String, Double> perValid = perCheck(before, env.sim.requests(0, ORGS), validMax.sent());
    env.sim.authnServeMicros();
    Map<String, Long> validE2e = new ConcurrentHashMap<>();
    var statements = env.pool(1);
    Profiler.resetStatements(statements);
    Decisions validFixed = Profiler.around("checks-valid-fixed-rate", () -> fixedRate("reaching Okta (right password),"
        + " fixed " + FIXED_RATE + "/s", seconds, validE2e, true));
    Profiler.statements(statements, "checks-valid-fixed-rate", validFixed.sent(), "check");
    statements.close();
    long[] validAdded = added(validE2e, env.sim.authnServeMicros());
    OktaCeiling.Result ceiling = OktaCeiling.run(env, orgs, eligible.subList(0, used), seconds);
    StreamBench.Result stream = leaks <= 0 ? null : StreamBench.run(env, streamChannel, stubs.get(1), leaks,
        remaining(leaks / 100), seconds);
    return new Results(Map.copyOf(details), max, saturated, fixed, CredentialCheckBench.percentile(added, 0.5) / 1000.0,
        CredentialCheckBench.percentile(added, 0.99) / 1000.0, CredentialCheckBench.percentile(simTimes, 0.99) / 1000.0,
        added.length, validMax, validFixed, CredentialCheckBench.percentile(validAdded, 0.99) / 1000.0, ceiling, stream,
        perInvalid, perValid);
  }

  /** Okta requests per check, by endpoint, between two readings of every org's counters. */
  private static Map<String, Double> perCheck(List<Map<String, Long>> before, List<Map<String, Long>> after,
      int checks) {
    Map<String, Double> out = new java.util.TreeMap<>();
    for (int k = 0; k < after.size(); k++) {
      for (var e : after.get(k).entrySet()) {
        long d = e.getValue() - before.get(k).getOrDefault(e.getKey(), 0L);
        if (d > 0) {
          out.merge(e.getKey(), d / (double) Math.max(1, checks), Double::sum);
        }
      }
    }
    out.replaceAll((k, v) -> Math.round(v * 100) / 100.0);
    return out;
  }

  private static long[] added(Map<String, Long> e2e, Map<String, Long> sim) {
    return e2e.entrySet().stream().filter(e -> sim.containsKey(e.getKey()))
        .mapToLong(e -> e.getValue() - sim.get(e.getKey())).sorted().toArray();
  }

  /**
   * Users every org's initial sync stored who pass every gate: generated ACTIVE (the orgs have no
   * other status), signed in within the last 60 days; {tenant, login}, interleaved over the orgs.
   */
  private static List<String[]> eligible(int usersPerOrg, Instant asOf) {
    List<List<String>> perOrg = new ArrayList<>();
    for (int k = 0; k < ORGS; k++) {
      var population = OktaSimulator.population(new OktaSimulator.Options().users(usersPerOrg).seed(SEED + k)
          .asOf(asOf).mixedStatuses(false));
      List<String> logins = new ArrayList<>();
      for (int i = 0; i < usersPerOrg; i++) {
        SimUser u = population.apply(i);
        if (u.lastLoginMillis() != SimUser.NONE && u.lastLoginMillis() > asOf.minus(Duration.ofDays(60)).toEpochMilli()) {
          logins.add(u.login() + "\n" + u.password());
        }
      }
      perOrg.add(logins);
    }
    List<String[]> out = new ArrayList<>();
    for (int i = 0; i < usersPerOrg; i++) {
      for (int k = 0; k < ORGS; k++) {
        if (i < perOrg.get(k).size()) {
          String[] loginAndPassword = perOrg.get(k).get(i).split("\n", 2);
          out.add(new String[] {TenantsBench.tenant(k), loginAndPassword[0], loginAndPassword[1]});
        }
      }
    }
    return out;
  }

  private synchronized String[] nextUser() {
    if (used >= eligible.size()) {
      throw new IllegalStateException("out of eligible users (" + eligible.size() + ")");
    }
    return eligible.get(used++);
  }

  /** The eligible users no phase has used yet, up to {@code n}. */
  private synchronized List<String[]> remaining(int n) {
    List<String[]> out = new ArrayList<>(eligible.subList(used, Math.min(eligible.size(), used + n)));
    used += out.size();
    return out;
  }

  /** At most {@code concurrency} at once for {@code seconds}, and until at least {@code atLeast} were sent. */
  private Decisions maxRate(String path, int seconds, boolean right, int atLeast, int concurrency) throws Exception {
    Semaphore inFlight = new Semaphore(concurrency);
    CredentialCheckBench.Collector c = new CredentialCheckBench.Collector(seconds * 5_000);
    Map<CheckOutcome, Integer> outcomes = new EnumMap<>(CheckOutcome.class);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long start = System.nanoTime();
    int sent = 0;
    while (System.nanoTime() < end || sent < atLeast) {
      inFlight.acquire();
      sent++;
      send(nextUser(), right, System.nanoTime(), c, outcomes, null, inFlight::release);
    }
    inFlight.acquire(concurrency);
    return result(path, sent, c, outcomes, (System.nanoTime() - start) / 1e9);
  }

  private Decisions fixedRate(String path, int seconds, Map<String, Long> e2e, boolean right) throws Exception {
    int total = FIXED_RATE * seconds;
    CredentialCheckBench.Collector c = new CredentialCheckBench.Collector(total + 10);
    Map<CheckOutcome, Integer> outcomes = new EnumMap<>(CheckOutcome.class);
    Semaphore done = new Semaphore(0);
    long interval = 1_000_000_000L / FIXED_RATE;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long due = start + i * interval;
      Pace.until(due);
      send(nextUser(), right, due, c, outcomes, e2e, done::release); // latency from the scheduled time: open loop
    }
    done.acquire(total);
    return result(path, total, c, outcomes, (System.nanoTime() - start) / 1e9);
  }

  private static Decisions result(String path, int sent, CredentialCheckBench.Collector c,
      Map<CheckOutcome, Integer> outcomes, double seconds) {
    CredentialCheckBench.Decisions d = c.result(path, sent, seconds);
    Map<CheckOutcome, Integer> copy;
    synchronized (outcomes) {
      copy = new EnumMap<>(outcomes);
    }
    return new Decisions(path, sent, d.ok(), copy, d.errors(), seconds, d.p50Millis(), d.p99Millis());
  }

  /**
   * One check of {@code user} ({tenant, login, password}) with a wrong password ("ok" when Okta
   * answered it: INVALID) or, when {@code right}, the user's password ("ok": VALID).
   */
  private void send(String[] user, boolean right, long sentAt, CredentialCheckBench.Collector c, Map<CheckOutcome, Integer> outcomes,
      Map<String, Long> e2e, Runnable after) {
    var stub = stubs.get(Math.floorMod(next.getAndIncrement(), stubs.size())).withDeadlineAfter(30, TimeUnit.SECONDS);
    CheckCredentialRequest request = CheckCredentialRequest.newBuilder().setTenantId(user[0]).setUsername(user[1])
        .setPassword(right ? user[2] : "Wrong-" + user[1].hashCode()).setRequestId("okta-" + user[1]).build();
    Futures.addCallback(stub.checkCredential(request), new FutureCallback<CheckCredentialResponse>() {
      @Override
      public void onSuccess(CheckCredentialResponse r) {
        long nanos = System.nanoTime() - sentAt;
        CheckOutcome o = r.getCheck().getOutcome();
        details.putIfAbsent(o, r.getCheck().getDetail());
        synchronized (outcomes) {
          outcomes.merge(o, 1, Integer::sum);
        }
        c.record(nanos, o == (right ? CheckOutcome.CHECK_OUTCOME_VALID : CheckOutcome.CHECK_OUTCOME_INVALID));
        if (e2e != null) {
          e2e.put(user[1], nanos / 1_000);
        }
        after.run();
      }

      @Override
      public void onFailure(Throwable t) {
        c.record(System.nanoTime() - sentAt, false);
        after.run();
      }
    }, MoreExecutors.directExecutor());
  }
}
