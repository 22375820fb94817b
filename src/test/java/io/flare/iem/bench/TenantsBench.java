package io.flare.iem.bench;

import com.google.protobuf.FieldMask;
import io.flare.iem.App;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.ManagedChannel;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A thousand tenants (part 4 of issue 15): {@code tenants} tenants of {@code users} users each,
 * every org served by one simulator process; their initial full syncs run first (not measured),
 * then 1 % of every org's users change (a last name, bumping {@code lastUpdated}) and every
 * tenant's incremental sync is started at once (as the nightly schedule would queue them in the
 * same minute; here through {@code StartSync(INCREMENTAL)}). Measured: the wall time until the last
 * run ended; Okta requests per tenant during that phase against the minimum (one token and one
 * page, fewer than 200 users having changed); rows written to {@code identities} and
 * {@code identifiers} (from {@code pg_stat_user_tables}) against the users changed.
 *
 * <pre>
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.flare.iem.bench.TenantsBench -Dexec.args="--tenants 1000 --users 1000"
 * </pre>
 */
public final class TenantsBench {

  /** What the phase measured. */
  record Result(int tenants, int usersPerTenant, long changed, double seconds, double initialSeconds,
      double meanRequests, long maxRequests, int minimumRequests, Map<String, Long> requestsByEndpoint,
      long identitiesWritten, long identifiersWritten, long identityStatWrites, long identifierStatWrites,
      long failedRuns, long served429) {

    double requestRatio() {
      return meanRequests / minimumRequests;
    }
  }

  private TenantsBench() {}

  public static void main(String[] args) {
    CredentialCheckBench.quietLogs();
    List<String> a = List.of(args);
    int tenants = a.contains("--tenants") ? Integer.parseInt(a.get(a.indexOf("--tenants") + 1)) : 1000;
    int users = a.contains("--users") ? Integer.parseInt(a.get(a.indexOf("--users") + 1)) : 1000;
    try {
    Result r = run(tenants, users);
    System.out.println(describe(r));
    System.exit(0);
  } catch (Throwable t) {
    t.printStackTrace(); // a benchmark program reports on its console
    System.exit(1);
  }
}

static String describe(Result r) {
  return String.format(Locale.ROOT, "%d tenants x %d users: initial syncs %.1f s; %d users changed; incremental syncs"
      + " of all tenants started at once ended in %.1f s; Okta requests per tenant %.2f (max %d, minimum %d, ratio"
      + " %.2f) by endpoint %s; identity rows written %d (statistics: %d inserts+updates), identifier rows written"
      + " %d (statistics: %d inserts+updates+deletes); failed runs %d; 429s %d",
      r.tenants(), r.usersPerTenant(), r.initialSeconds(), r.changed(), r.seconds(), r.meanRequests(),
      r.maxRequests(), r.minimumRequests(), r.requestRatio(), r.requestsByEndpoint(), r.identitiesWritten(),
      r.identityStatWrites(), r.identifiersWritten(), r.identifierStatWrites(), r.failedRuns(), r.served429());
}

static Result run(int tenants, int users) throws Exception {
  try (BenchEnv env = BenchEnv.start(768)) {
    App app = env.startApp(Map.of());
    ManagedChannel channel = BenchEnv.channel(app);
    Pool pool = env.pool(2);
    try {
      return measure(env, app, channel, pool, tenants, users);
    } finally {
      pool.close();
    }
  }
}

private static Result measure(BenchEnv env, App first, ManagedChannel firstChannel, Pool pool, int tenants,
    int users) throws Exception {
  App app = first;
  ManagedChannel channel = firstChannel;
  try {
      List<OktaProcess.Org> orgs = env.sim.addOrgs(tenants, users, 11, Instant.now().truncatedTo(ChronoUnit.DAYS),
          true, true, 60);
      var integrations = IntegrationConfigServiceGrpc.newBlockingStub(channel);
      List<String> jwksPath = new ArrayList<>();
      long start = System.nanoTime();
      for (int t = 0; t < tenants; t++) {
        String tenant = tenant(t);
        integrations.updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
            .setSettings(TenantSettings.newBuilder().setIdentifierCap(users * 3).setAutoIdentifiersEnabled(true))
            .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("auto_identifiers_enabled"))
            .build());
        Integration created = integrations.createIntegration(CreateIntegrationRequest.newBuilder()
            .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Org " + t)
                .setOktaDomain(orgs.get(t).baseUrl()).setClientId(orgs.get(t).clientId())
                .setAutoCreateIdentifiers(true)).build()).getIntegration();
        env.sim.jwksUrl(orgs.get(t), BenchEnv.jwksUrl(app, created));
        jwksPath.add(java.net.URI.create(created.getJwksUrl()).getPath());
      }
      awaitRuns(pool, "FULL", tenants, TimeUnit.MINUTES.toNanos(30));
      double initialSeconds = (System.nanoTime() - start) / 1e9;

      long changed = env.sim.change(0, tenants, 100);
      // a night later: the initial syncs' access tokens (one hour) have expired; a service started afresh has none
      channel.shutdownNow();
      app.stop().await(60, TimeUnit.SECONDS);
      app = env.startApp(Map.of());
      channel = BenchEnv.channel(app);
      for (int t = 0; t < tenants; t++) {
        env.sim.jwksUrl(env.sim.orgs().get(t), "http://127.0.0.1:" + app.httpPort() + jwksPath.get(t));
      }
      List<Map<String, Long>> before = env.sim.requests(0, tenants);
      long served429 = env.sim.served429(0, tenants);
      long[] rowsBefore = settledRows(pool);
      long xid = pool.query("SELECT txid_current()").execute().await(60, TimeUnit.SECONDS).iterator().next()
          .getLong(0);
      var sync = IdentitySyncServiceGrpc.newFutureStub(channel);
      start = System.nanoTime();
      List<com.google.common.util.concurrent.ListenableFuture<?>> started = new ArrayList<>();
      for (int t = 0; t < tenants; t++) {
        started.add(sync.startSync(StartSyncRequest.newBuilder().setTenantId(tenant(t))
            .setMode(SyncMode.SYNC_MODE_INCREMENTAL).setRequestId("nightly-" + t).build()));
      }
      for (var f : started) {
        f.get(5, TimeUnit.MINUTES);
      }
      long failed = awaitRuns(pool, "INCREMENTAL", tenants, TimeUnit.MINUTES.toNanos(30));
      double seconds = (System.nanoTime() - start) / 1e9;
      long[] rowsAfter = settledRows(pool);
      long identitiesWritten = written(pool, "identities", xid);
      long identifiersWritten = written(pool, "identifiers", xid);
      List<Map<String, Long>> after = env.sim.requests(0, tenants);
      Map<String, Long> byEndpoint = new java.util.TreeMap<>();
      long total = 0;
      long max = 0;
      for (int t = 0; t < tenants; t++) {
        long sum = 0;
        for (var e : after.get(t).entrySet()) {
          long d = e.getValue() - before.get(t).getOrDefault(e.getKey(), 0L);
          if (d > 0) {
            byEndpoint.merge(e.getKey(), d, Long::sum);
            sum += d;
          }
        }
        total += sum;
        max = Math.max(max, sum);
      }
      return new Result(tenants, users, changed, seconds, initialSeconds, (double) total / tenants, max,
          2, byEndpoint, identitiesWritten, identifiersWritten, rowsAfter[0] + rowsAfter[1] - rowsBefore[0]
          - rowsBefore[1], rowsAfter[2] - rowsBefore[2], failed, env.sim.served429(0, tenants) - served429);
    } finally {
      channel.shutdownNow();
      app.stop().await(30, TimeUnit.SECONDS);
    }
  }

  /** Rows of {@code table} whose current version a transaction after {@code xid} wrote (inserted or updated). */
  private static long written(Pool pool, String table, long xid) throws Exception {
    return pool.query("SELECT count(*) FROM " + table + " WHERE xmin::text::bigint > " + xid).execute()
        .await(120, TimeUnit.SECONDS).iterator().next().getLong(0);
  }

  static String tenant(int t) {
    return String.format(Locale.ROOT, "tenant-%04d", t);
  }

  /** Waits until {@code expected} runs of {@code mode} have ended; returns how many did not succeed. */
  static long awaitRuns(Pool pool, String mode, int expected, long timeoutNanos) throws Exception {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      Row r = pool.preparedQuery("SELECT count(*) FILTER (WHERE state IN ('SUCCEEDED', 'FAILED', 'CANCELLED')),"
          + " count(*) FILTER (WHERE state IN ('FAILED', 'CANCELLED')) FROM sync_runs WHERE mode = $1")
          .execute(io.vertx.sqlclient.Tuple.of(mode)).await(60, TimeUnit.SECONDS).iterator().next();
      if (r.getLong(0) >= expected) {
        return r.getLong(1);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(r.getLong(0) + " of " + expected + " " + mode + " runs ended in time");
      }
      Thread.sleep(100);
    }
  }

  /**
   * Identities inserted and updated, and identifiers written (inserted, updated or deleted), as
   * the statistics collector counts them, once reads a second apart have agreed for 11 seconds (an
   * idle backend reports its counts within 10 seconds).
   */
  private static long[] settledRows(Pool pool) throws Exception {
    String sql = """
        SELECT coalesce(sum(n_tup_ins) FILTER (WHERE relname = 'identities'), 0),
               coalesce(sum(n_tup_upd) FILTER (WHERE relname = 'identities'), 0),
               coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del) FILTER (WHERE relname = 'identifiers'), 0)
        FROM pg_stat_user_tables
        """;
    long[] last = null;
    int same = 0;
    for (int i = 0; i < 60; i++) {
      long[] now = pool.withConnection(c -> c.query("SELECT pg_stat_clear_snapshot()").execute()
              .compose(x -> c.query(sql).execute()))
          .map(rows -> {
            Row r = rows.iterator().next();
            return new long[] {r.getLong(0), r.getLong(1), r.getLong(2)};
          }).await(60, TimeUnit.SECONDS);
      same = last != null && java.util.Arrays.equals(last, now) ? same + 1 : 0;
      if (same >= 11) {
        return now;
      }
      last = now;
      Thread.sleep(1100);
    }
    return last;
  }
}
