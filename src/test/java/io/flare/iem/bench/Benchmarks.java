package io.flare.iem.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Every benchmark of the project in one run, printed as one table: each figure beside its
 * comparisons measured in the same run (the physical ceiling; the team baseline built with the
 * official Okta SDK and plain JDBC), the ratio to each, the target from product.md and whether it
 * is met. The one command (about 16 minutes on a 2-core machine, 25 with {@code --users-10m}):
 *
 * <pre>
 * MAVEN_OPTS=-Xmx256m ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.Benchmarks
 * MAVEN_OPTS=-Xmx256m ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.Benchmarks -Dexec.args=--quick
 * </pre>
 *
 * {@code MAVEN_OPTS=-Xmx256m} caps the benchmark's JVM (service, benchmark clients, Maven itself,
 * and the simulated org where it runs in-process) at the 256 MB heap target. In order:
 * <ol>
 *   <li>sync of 100,000 and 1,000,000 users ({@link SyncBenchmark}), each followed on the same
 *       simulator and Postgres by the bare bulk insert of the same rows and the team baseline
 *       ({@link TeamBaseline}); {@code --quick}: 100,000 only;</li>
 *   <li>sync under an Okta rate limit, and the team baseline under the same limit;</li>
 *   <li>Redis {@code INCR} with the service's Redis client ({@link RedisIncrBench});</li>
 *   <li>credential check decisions and latency, authn attempts against the share
 *       ({@link CredentialCheckBench});</li>
 *   <li>1,000 concurrent checks of one identity on three instances ({@link CapBench});</li>
 *   <li>checks that reach Okta over 100 orgs, their ceiling, and one {@code CheckCredentials}
 *       stream ({@link OktaChecksBench});</li>
 *   <li>a thousand tenants' incremental syncs at once ({@link TenantsBench}; {@code --quick}: 50);</li>
 *   <li>a year of checks stored, and the check rate on it ({@link GrowthBench}; {@code --quick}: 200,000
 *       checks).</li>
 * </ol>
 * The syncs, the tenants and the checks reaching Okta run the simulator in a process of its own
 * ({@link SimProcess}). Options: {@code --quick}; {@code --no-team-large} (team baseline at 100,000
 * only, saving about three minutes; the table says so); {@code --users-10m} (also 10,000,000 users,
 * once); {@code --profile} (JFR per phase, summarised in the notes: {@link Profiler}).
 */
public final class Benchmarks {

  static final int SMALL = 100_000;
  static final int LARGE = 1_000_000;
  static final int RATE_LIMIT = 60;
  static final int WINDOW_SECONDS = 10;
  static final double MB = 1024 * 1024;

  static final int HUGE = 10_000_000;

  private final boolean quick;
  private final boolean teamLarge;
  private final boolean huge;
  private final Table table = new Table();
  private final List<String> notes = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();

  private Benchmarks(boolean quick, boolean teamLarge, boolean huge) {
    this.quick = quick;
    this.teamLarge = teamLarge;
    this.huge = huge;
  }

  public static void main(String[] args) {
    List<String> a = List.of(args);
    CredentialCheckBench.quietLogs();
    if (a.contains("--profile")) {
      Profiler.enable();
    }
    Benchmarks b = new Benchmarks(a.contains("--quick"), !a.contains("--no-team-large") && !a.contains("--quick"),
        a.contains("--users-10m"));
    int exit;
    try {
      exit = b.runAll();
    } catch (Throwable t) {
      t.printStackTrace(); // a benchmark program reports on its console
      exit = 2;
    }
    System.exit(exit);
  }

  private int runAll() {
    String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String loadBefore = loadAverage();
    long start = System.nanoTime();

    SyncBenchmark.Result small = phase("sync " + n(SMALL) + " users, bare insert, team baseline",
        () -> SyncBenchmark.run(new SyncBenchmark.Options(SMALL, null, WINDOW_SECONDS, "1000", true, true)));
    SyncBenchmark.Result large = quick ? null : phase("sync " + n(LARGE) + " users, bare insert"
        + (teamLarge ? ", team baseline" : ""), () -> SyncBenchmark.run(new SyncBenchmark.Options(LARGE, null,
            WINDOW_SECONDS, "1000", true, teamLarge)));
    SyncBenchmark.Result tenMillion = !huge ? null : phase("sync " + n(HUGE) + " users (--users-10m)",
        () -> SyncBenchmark.run(new SyncBenchmark.Options(HUGE, null, WINDOW_SECONDS, "1000", false, false)));
    int limitedUsers = quick ? 36_000 : 60_000;
    SyncBenchmark.Result limited = phase("rate-limited sync of " + n(limitedUsers) + " users"
        + (quick ? "" : ", team baseline under the same limit"), () -> SyncBenchmark.run(new SyncBenchmark.Options(
            limitedUsers, RATE_LIMIT, WINDOW_SECONDS, "1000", false, !quick)));
    RedisIncrBench.Result redis = phase("Redis INCR with the service's client",
        () -> RedisIncrBench.run(io.flare.iem.testing.TestServers.redis().url(), quick ? 3 : 5));
    CredentialCheckBench.Results checks = phase("credential checks", () -> Profiler.around("checks-no-okta",
        () -> CredentialCheckBench.run(quick ? 5 : 15)));
    OktaChecksBench.Results okta = phase("checks that reach Okta over " + OktaChecksBench.ORGS + " orgs, one"
        + " CheckCredentials stream", () -> OktaChecksBench.run(quick ? 5 : 15, quick ? 20_000 : 100_000));
    int tenantCount = quick ? 50 : 1000;
    TenantsBench.Result tenants = phase(n(tenantCount) + " tenants' incremental syncs at once",
        () -> TenantsBench.run(tenantCount, 1000));
    CapBench.Result cap = phase("1,000 concurrent checks of one identity on 3 instances", CapBench::run);
    GrowthBench.Scale scale = quick ? GrowthBench.Scale.QUICK : GrowthBench.Scale.FULL;
    GrowthBench.Figures growth = phase("a year of checks stored (" + n(scale.yearOfChecks()) + " checks)",
        () -> GrowthBench.measure(scale));

    syncRows(small, small != null ? small.team() : null, false);
    if (large != null) {
      syncRows(large, large.team() != null ? large.team() : small != null ? small.team() : null, large.team() == null);
    }
    hugeRows(tenMillion, large);
    tenantRows(tenants);
    rateLimitedRows(limited);
    checkRows(checks, redis);
    BenchRows.okta(table, notes, okta);
    capRows(cap);
    growthRows(growth);

    double minutes = (System.nanoTime() - start) / 60e9;
    print(started, loadBefore, minutes);
    return failures.isEmpty() ? 0 : 1;
  }

  // ---- rows -----------------------------------------------------------------------------------

  private void syncRows(SyncBenchmark.Result r, SyncBenchmark.Measured team, boolean teamFromSmall) {
    if (r == null) {
      return;
    }
    SyncBenchmark.Measured s = r.sync();
    SyncBenchmark.Measured b = r.bare();
    boolean target = r.options().users() == LARGE;
    String size = n(r.options().users());
    table.section("Initial full sync of " + size + " simulated users through the service (gRPC CreateIntegration"
        + " -> Okta simulator -> Postgres), identifiers on: " + n(s.users()) + " identities, "
        + n(s.identifiers()) + " identifiers");
    table.row("sync " + size + ": wall time", String.format(Locale.ROOT, "%.1f s", s.seconds()), "", "", "",
        target ? "<= 60 s" : "", target ? met(s.seconds() <= 60) : "");
    table.row("sync " + size + ": users/s", rate(s.perSecond(), "users/s"),
        "bare bulk insert of the same rows", rate(b.perSecond(), "users/s"), ratio(s.perSecond(), b.perSecond()),
        target ? ">= 0.75 x bare" : "(>= 0.75 at 1M)", target ? met(s.perSecond() >= 0.75 * b.perSecond()) : "");
    SyncBenchmark.Measured c = r.copy();
    if (c != null) {
      table.row("", "", "COPY of the same rows (the physical ceiling)", rate(c.perSecond(), "users/s"),
          ratio(s.perSecond(), c.perSecond()), "", "");
    }
    if (team != null) {
      table.row("", "", "team baseline (Okta SDK + JDBC batches)" + (teamFromSmall ? ", at " + n(SMALL)
          + " users" : ""), rate(team.perSecond(), "users/s"), ratio(s.perSecond(), team.perSecond()),
          target ? ">= 3.5 x team" : "(>= 3.5 at 1M)", target ? met(s.perSecond() >= 3.5 * team.perSecond()) : "");
    }
    table.row("sync " + size + ": peak heap in use", mb(s.peakHeapBytes()), "JVM max heap (-Xmx)",
        mb(HeapWatch.maxHeap()), ratio(s.peakHeapBytes(), HeapWatch.maxHeap()), "<= 256 MB",
        met(s.peakHeapBytes() <= 256 * MB));
    if (team != null) {
      table.row("", "", "team baseline, peak heap in use" + (teamFromSmall ? ", at " + n(SMALL) : ""),
          mb(team.peakHeapBytes()), ratio(s.peakHeapBytes(), team.peakHeapBytes()), "", "");
    }
    table.row("sync " + size + ": peak heap after GC", mb(s.peakHeapAfterGcBytes()), team == null ? "" :
            "team baseline, peak heap after GC" + (teamFromSmall ? ", at " + n(SMALL) : ""),
        team == null ? "" : mb(team.peakHeapAfterGcBytes()),
        team == null ? "" : ratio(s.peakHeapAfterGcBytes(), team.peakHeapAfterGcBytes()), "", "");
    if (b.identifiers() != s.identifiers()) {
      notes.add("the bare insert of " + size + " wrote " + n(b.identifiers()) + " identifiers, the sync "
          + n(s.identifiers()));
    }
    if (team != null && !teamFromSmall && team.identifiers() != s.identifiers()) {
      notes.add("the team baseline at " + size + " wrote " + n(team.identifiers()) + " identifiers, the sync "
          + n(s.identifiers()));
    }
    if (team != null && !teamFromSmall) {
      notes.add(String.format(Locale.ROOT, "team baseline at %s: %.1f s in all, of which %.1f s waiting for the SDK's"
          + " listUsers pages (HTTP + JSON) and the rest in JDBC writes", size, team.seconds(), team.oktaSeconds()));
    }
    if (teamFromSmall) {
      notes.add("the team baseline was not run at " + size + " users (--no-team-large): its figures in that section"
          + " are from the " + n(SMALL) + "-user run, not extrapolated");
    }
  }

  private void hugeRows(SyncBenchmark.Result r, SyncBenchmark.Result million) {
    if (r == null) {
      return;
    }
    SyncBenchmark.Measured s = r.sync();
    table.section("Initial full sync of " + n(HUGE) + " simulated users (--users-10m), simulator in its own process: "
        + n(s.users()) + " identities, " + n(s.identifiers()) + " identifiers");
    double millionSeconds = million == null ? Double.NaN : million.sync().seconds();
    table.row("sync " + n(HUGE) + ": wall time", String.format(Locale.ROOT, "%.1f s", s.seconds()),
        "the " + n(LARGE) + "-user sync of this run", million == null ? "-" : String.format(Locale.ROOT, "%.1f s",
            millionSeconds), million == null ? "-" : ratio(s.seconds(), millionSeconds), "<= 10.5 x",
        million == null ? "-" : met(s.seconds() <= 10.5 * millionSeconds));
    table.row("sync " + n(HUGE) + ": peak heap in use", mb(s.peakHeapBytes()), "JVM max heap (-Xmx)",
        mb(HeapWatch.maxHeap()), ratio(s.peakHeapBytes(), HeapWatch.maxHeap()), "<= 256 MB",
        met(s.peakHeapBytes() <= 256 * MB));
  }

  private void tenantRows(TenantsBench.Result r) {
    if (r == null) {
      return;
    }
    table.section(String.format(Locale.ROOT, "%s tenants of %s users (one simulator process serving every org),"
        + " 1 %% changed (%s users), every tenant's incremental sync started at once on a service started afresh"
        + " (no access token cached, as a night after the last sync); initial syncs took %.0f s", n(r.tenants()),
        n(r.usersPerTenant()), n(r.changed()), r.initialSeconds()));
    table.row("incremental syncs: wall time", String.format(Locale.ROOT, "%.1f s", r.seconds()), "", "", "", "", "");
    table.row("Okta requests per tenant", String.format(Locale.ROOT, "%.2f", r.meanRequests()),
        "minimum: one token, one page", Integer.toString(r.minimumRequests()),
        ratio(r.meanRequests(), r.minimumRequests()), "<= 1.1 x minimum", met(r.requestRatio() <= 1.1));
    table.row("identity rows written", n(r.identitiesWritten()), "users changed", n(r.changed()),
        ratio(r.identitiesWritten(), r.changed()), "only the changed", met(r.identitiesWritten() <= r.changed()
            && r.failedRuns() == 0));
    table.row("identifier rows written", n(r.identifiersWritten()), "users changed", n(r.changed()),
        ratio(r.identifiersWritten(), r.changed()), "", "");
    notes.add(String.format(Locale.ROOT, "a thousand tenants: Okta requests by endpoint during the incremental phase %s"
        + " (max per tenant %d); rows written count the rows whose current version a transaction of the phase wrote"
        + " (xmin); the statistics collector counted %d identity inserts+updates and %d identifier"
        + " inserts+updates+deletes; %d runs failed, %d 429s", r.requestsByEndpoint(), r.maxRequests(),
        r.identityStatWrites(), r.identifierStatWrites(), r.failedRuns(), r.served429()));
  }

  private void rateLimitedRows(SyncBenchmark.Result r) {
    if (r == null) {
      return;
    }
    SyncBenchmark.Measured s = r.sync();
    SyncBenchmark.Measured t = r.team();
    int w = r.options().windowSeconds();
    int limit = r.options().rateLimit();
    table.section(String.format(Locale.ROOT, "Sync under an Okta rate limit: L = %d list requests per %d s window"
        + " (%d/min), %s users; the ceiling is L x 200 users per window", limit, w, limit * 60 / w,
        n(r.options().users())));
    table.row("rate-limited sync: users/min, full windows", rate(s.steadyUsersPerMinute(w), "/min"),
        "ceiling L x 200 users/min", rate(r.ceilingPerMinute(), "/min"),
        ratio(s.steadyUsersPerMinute(w), r.ceilingPerMinute()), ">= 0.90 x ceiling",
        met(s.windows().complete() > 0 && s.steadyUsersPerMinute(w) >= 0.9 * r.ceilingPerMinute()));
    if (t != null) {
      table.row("", "", "team baseline, same limit", rate(t.steadyUsersPerMinute(w), "/min"),
          ratio(s.steadyUsersPerMinute(w), t.steadyUsersPerMinute(w)), "", "");
    }
    table.row("rate-limited sync: busiest window", s.windows().busiest() + " requests", "L", limit + " requests",
        ratio(s.windows().busiest(), limit), "<= L", met(s.windows().busiest() <= limit));
    table.row("rate-limited sync: 429s served", Long.toString(s.served429()), t == null ? "" : "team baseline,"
            + " same limit", t == null ? "" : Long.toString(t.served429()), "", "no storms (<= 1 per window)",
        met(s.served429() <= s.windows().complete() + 1));
    notes.add(String.format(Locale.ROOT, "rate-limited users/min count only the %d windows the sync fully covered%s"
        + " (the first and last windows are partial: over the whole run the sync made %s/min, %s of the ceiling,"
        + " because its first window started with a full budget)", s.windows().complete(), t == null ? ""
        : " (" + t.windows().complete() + " for the team baseline)", n(Math.round(s.perSecond() * 60)),
        ratio(s.perSecond() * 60, r.ceilingPerMinute())));
  }

  private void checkRows(CredentialCheckBench.Results c, RedisIncrBench.Result redis) {
    if (c == null) {
      return;
    }
    table.section("CheckCredential over gRPC, one instance (grpc-java clients with caller tokens, 128 in flight for"
        + " max rate). The no-Okta paths (NOT_FOUND, idempotent replay) do not touch Redis: the Redis rows are the"
        + " ceiling of a decision that would");
    decisionRows(c.notFoundMax(), redis, true);
    decisionRows(c.replayMax(), redis, false);
    latencyRows(c.notFoundFixed(), redis, true);
    latencyRows(c.replayFixed(), redis, false);
    CredentialCheckBench.Authn a = c.authn();
    table.section(String.format(Locale.ROOT, "Authn attempts against the org's authn share: Okta limit %d per %d s"
        + " window, checks' share %.0f %% = %d per window (%.0f/min); %s identities offered, one wrong password each,"
        + " for %.0f s", CredentialCheckBench.AUTHN_LIMIT_PER_WINDOW, CredentialCheckBench.AUTHN_WINDOW_SECONDS,
        CredentialCheckBench.AUTHN_SHARE * 100, a.sharePerWindow(), a.sharePerMinute(), n(a.offered()), a.seconds()));
    table.row("authn attempts/min, full windows", rate(a.perMinute(), "/min"), "the checks' share of the limit",
        rate(a.sharePerMinute(), "/min"), ratio(a.perMinute(), a.sharePerMinute()), "<= share",
        met(a.completeWindows() > 0 && a.perMinute() <= a.sharePerMinute()));
    table.row("authn busiest window", a.busiestWindow() + " attempts", "share per window",
        a.sharePerWindow() + " attempts", ratio(a.busiestWindow(), a.sharePerWindow()), "<= share",
        met(a.busiestWindow() <= a.sharePerWindow()));
    table.row("authn 429s served", Long.toString(a.served429()), "", "", "", "no storms", met(a.served429() == 0));
  }

  private void decisionRows(CredentialCheckBench.Decisions d, RedisIncrBench.Result redis, boolean all) {
    String name = "check " + d.path() + ": decisions/s";
    String target = ">= 3,000/s";
    String met = d.errors() > 0 ? "NO (" + d.errors() + " errors)" : met(d.perSecond() >= 3000);
    if (redis == null) {
      table.row(name, rate(d.perSecond(), "/s"), "", "", "", target, met);
      return;
    }
    table.row(name, rate(d.perSecond(), "/s"), "Redis INCR, service's client, 128 in flight",
        rate(redis.incrPerSecond(), "/s"), ratio(d.perSecond(), redis.incrPerSecond()), target, met);
    if (all) {
      table.row("", "", "Redis INCR, batches of 1,000", rate(redis.batchedPerSecond(), "/s"),
          ratio(d.perSecond(), redis.batchedPerSecond()), "", "");
      table.row("", "", "Redis EVAL INCR+PEXPIRE (the cap's shape)", rate(redis.scriptPerSecond(), "/s"),
          ratio(d.perSecond(), redis.scriptPerSecond()), "", "");
    }
  }

  private void latencyRows(CredentialCheckBench.Decisions d, RedisIncrBench.Result redis, boolean withP50) {
    String name = "check " + d.path().replace("fixed ", "at ");
    if (withP50) {
      table.row(name + ": p50", ms(d.p50Millis()), redis == null ? "" : "Redis INCR at 1,000/s, p50",
          redis == null ? "" : ms(redis.p50Millis()), redis == null ? "" : ratio(d.p50Millis(), redis.p50Millis()),
          "", "");
    }
    table.row(name + ": p99", ms(d.p99Millis()), redis == null ? "" : "Redis INCR at 1,000/s, p99",
        redis == null ? "" : ms(redis.p99Millis()), redis == null ? "" : ratio(d.p99Millis(), redis.p99Millis()),
        "<= 25 ms", d.errors() > 0 ? "NO (" + d.errors() + " errors)" : met(d.p99Millis() <= 25));
  }

  private void capRows(CapBench.Result c) {
    if (c == null) {
      return;
    }
    table.section(String.format(Locale.ROOT, "Lockout safety under concurrency: %s checks of one identity, each a"
        + " different wrong password, sent at once to %d instances sharing Postgres and Redis (outcomes %s; all"
        + " answered in %.1f s)", n(CapBench.CHECKS), CapBench.INSTANCES, c.outcomes(), c.seconds()));
    table.row("authn calls Okta received", Long.toString(c.authnCalls()), "max_daily_password_attempts",
        Integer.toString(c.cap()), ratio(c.authnCalls(), c.cap()), "exactly the cap", met(c.authnCalls() == c.cap()));
  }

  private void growthRows(GrowthBench.Figures g) {
    if (g == null) {
      return;
    }
    table.section(String.format(Locale.ROOT, "Growth: a year of checks (%s, 99 %% NOT_FOUND, 1 %% that reached Okta"
        + " with its attempt and audit rows, one audit row per 100 checks besides) stored in Postgres, then the"
        + " check path measured on it (%d in flight)", n(g.storedChecks()), GrowthBench.CONCURRENCY));
    table.row("Postgres bytes per 1,000,000 checks (heap, indexes, TOAST)", mb(g.bytesPerMillion()), "", "", "", "",
        "");
    table.row("check NOT_FOUND with a year stored: decisions/s", rate(g.notFoundYearPerSecond(), "/s"),
        "the same on empty tables", rate(g.notFoundEmptyPerSecond(), "/s"), ratio(g.notFoundYearPerSecond(),
            g.notFoundEmptyPerSecond()), ">= 3,000/s", met(g.notFoundYearPerSecond() >= 3000 && g.errors() == 0));
    table.row("check replay with a year stored: decisions/s", rate(g.replayYearPerSecond(), "/s"), "", "", "", "",
        "");
  }

  // ---- running and printing -------------------------------------------------------------------

  private <T> T phase(String name, Callable<T> body) {
    System.out.printf(Locale.ROOT, "[benchmarks] %s ... (load average %s)%n", name, loadAverage());
    long start = System.nanoTime();
    try {
      T result = body.call();
      System.out.printf(Locale.ROOT, "[benchmarks] %s: done in %.0f s%n", name, (System.nanoTime() - start) / 1e9);
      return result;
    } catch (Throwable e) {
      e.printStackTrace();
      failures.add(name + ": " + e);
      return null;
    }
  }

  private void print(String started, String loadBefore, double minutes) {
    var os = ManagementFactory.getOperatingSystemMXBean();
    String gcs = String.join(", ", ManagementFactory.getGarbageCollectorMXBeans().stream()
        .map(java.lang.management.MemoryManagerMXBean::getName).toList());
    System.out.println();
    System.out.println("iem-okta benchmarks" + (quick ? " (--quick)" : ""));
    System.out.printf(Locale.ROOT, "  date %s; %.1f minutes; load average (1, 5, 15 min) %s at start, %s at end%n",
        started, minutes, loadBefore, loadAverage());
    System.out.printf(Locale.ROOT, "  machine: %d cores (%s), %s %s %s%n", Runtime.getRuntime().availableProcessors(),
        cpuModel(), os.getName(), os.getVersion(), os.getArch());
    System.out.printf(Locale.ROOT, "  JVM: %s %s, max heap %s (this JVM: service, clients; not the simulator process), GC %s%n",
        System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"), mb(HeapWatch.maxHeap()), gcs);
    System.out.println("  servers: embedded PostgreSQL 17 (zonky; fsync off) and Redis 7.0 (no persistence) on"
        + " loopback; the Okta simulator runs in a process of its own (its own heap) for the syncs, the thousand"
        + " tenants and the checks that reach Okta, and in the service's JVM for the no-Okta checks, the authn"
        + " share and the cap (which barely use it)");
    System.out.println();
    table.print(List.of("figure", "value", "comparison (same run)", "comparison value", "ratio", "target", "met?"));
    System.out.println();
    System.out.println("ratio = value / comparison value. Notes:");
    notes.add("bare bulk insert = the same identities and identifiers as the sync, as client-built array INSERTs into"
        + " the same tables and indexes, 1,000 users per transaction, two in flight (as many writers as a sync);"
        + " it, the sync and the team baseline each start on empty tables after a CHECKPOINT");
    notes.add("team baseline = the official Okta Java SDK 24.0.0 (private_key_jwt with our key) listing the same"
        + " users (limit 200, the sync's filter) page by page, each page upserted with plain JDBC"
        + " addBatch/executeBatch (driver defaults) into equivalent tables, one transaction per page, one thread;"
        + " under a rate limit the SDK's own 429 retry waits for Okta's reset");
    notes.add("the " + n(SMALL) + "-user sync is the JVM's first work: its time includes warming up (JIT, pools,"
        + " prepared statements), as a freshly started replica's first sync would");
    notes.add("peak heap in use includes garbage not yet collected; after GC is the most heap still in use right after"
        + " a collection during the run (an upper bound on the live set)");
    if (HeapWatch.maxHeap() > 256 * MB) {
      notes.add(0, "the JVM was NOT capped at 256 MB (set MAVEN_OPTS=-Xmx256m): with more room the collector runs"
          + " later, so the peak heap in use says little about the target");
    }
    for (String summary : Profiler.summaries()) {
      notes.add("profile (JFR, --profile) " + summary);
    }
    for (String note : notes) {
      System.out.println("  - " + note);
    }
    if (!failures.isEmpty()) {
      System.out.println();
      System.out.println("FAILED phases (their rows are missing):");
      failures.forEach(f -> System.out.println("  - " + f));
    }
  }

  static String met(boolean ok) {
    return ok ? "yes" : "NO";
  }

  static String n(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  static String rate(double value, String unit) {
    return String.format(Locale.ROOT, "%,.0f %s", value, unit);
  }

  static String ms(double millis) {
    return String.format(Locale.ROOT, "%.2f ms", millis);
  }

  static String mb(double bytes) {
    return String.format(Locale.ROOT, "%.0f MB", bytes / MB);
  }

  static String ratio(double value, double comparison) {
    if (comparison == 0) {
      return "-";
    }
    double r = value / comparison;
    return String.format(Locale.ROOT, r >= 0.1 ? "%.2f" : "%.3f", r);
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + ", " + parts[1] + ", " + parts[2];
    } catch (IOException | RuntimeException e) {
      return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  /** An aligned text table with section lines. */
  static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    void section(String title) {
      rows.add(new String[] {title});
    }

    void row(String... cells) {
      rows.add(cells);
    }

    void print(List<String> header) {
      int columns = header.size();
      int[] width = new int[columns];
      for (int i = 0; i < columns; i++) {
        width[i] = header.get(i).length();
      }
      for (String[] r : rows) {
        if (r.length == columns) {
          for (int i = 0; i < columns; i++) {
            width[i] = Math.max(width[i], r[i].length());
          }
        }
      }
      int total = 0;
      for (int w : width) {
        total += w + 3;
      }
      String rule = "-".repeat(total - 3);
      System.out.println(line(header.toArray(String[]::new), width));
      System.out.println(rule);
      for (String[] r : rows) {
        if (r.length == columns) {
          System.out.println(line(r, width));
        } else {
          System.out.println();
          for (String part : wrap(r[0], total - 3)) {
            System.out.println(part);
          }
        }
      }
    }

    private static String line(String[] cells, int[] width) {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < cells.length; i++) {
        boolean number = i == 1 || i == 3 || i == 4;
        String format = "%" + (number ? "" : "-") + width[i] + "s";
        out.append(String.format(Locale.ROOT, format, cells[i]));
        if (i < cells.length - 1) {
          out.append(" | ");
        }
      }
      return out.toString().stripTrailing();
    }

    private static List<String> wrap(String text, int width) {
      List<String> out = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String word : text.split(" ")) {
        if (current.length() > 0 && current.length() + 1 + word.length() > width) {
          out.add(current.toString());
          current.setLength(0);
        }
        if (current.length() > 0) {
          current.append(' ');
        }
        current.append(word);
      }
      if (current.length() > 0) {
        out.add(current.toString());
      }
      return out;
    }
  }
}
