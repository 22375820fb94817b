package io.flare.iem.bench;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.FieldMask;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.config.AppConfig;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The lockout promise under concurrency, as product.md states its target: 1,000 checks of one
 * identity (each a different wrong password) sent at once to three service instances sharing
 * Postgres and Redis make exactly {@code max_daily_password_attempts} (2) authn calls, counted by
 * the simulated Okta org; the rest are THROTTLED (kept for tomorrow). Reports the calls, the
 * outcomes and how long the 1,000 answers took.
 *
 * <pre>
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.flare.iem.bench.CapBench
 * </pre>
 */
public final class CapBench {

  static final String TENANT = "cap";
  static final int CHECKS = 1_000;
  static final int INSTANCES = 3;
  static final int CAP = 2;

  /** Authn calls Okta saw for the identity, the outcomes of the checks, and the time to answer them all. */
  public record Result(long authnCalls, int cap, Map<String, Long> outcomes, double seconds) {}

  private CapBench() {}

  public static void main(String[] args) {
    CredentialCheckBench.quietLogs();
    int exit = 0;
    try {
      Result r = run();
      System.out.printf(Locale.ROOT, "%n%,d concurrent checks of one identity on %d instances: %d authn calls"
          + " (cap %d); outcomes %s; all answered in %.1f s%n", CHECKS, INSTANCES, r.authnCalls(), r.cap(),
          r.outcomes(), r.seconds());
    } catch (Throwable t) {
      t.printStackTrace();
      exit = 1;
    }
    System.exit(exit);
  }

  public static Result run() throws Exception {
    CallContext.init();
    AppConfig.Postgres pg = TestServers.newDatabase();
    AppConfig config = TestServers.config(pg);
    List<RunningService> services = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(new PgConnectOptions()
        .setHost(pg.host()).setPort(pg.port()).setDatabase(pg.database()).setUser(pg.user())
        .setPassword(pg.password())).using(vertx).build();
    OktaSimulator sim = null;
    try {
      for (int i = 0; i < INSTANCES; i++) {
        services.add(RunningService.start(config));
      }
      sim = Await.result(OktaSimulator.start(vertx, new OktaSimulator.Options().users(0).mixedStatuses(false)));
      RunningService first = services.get(0);
      first.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(TENANT)
          .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000))
          .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
      OktaSims.trust(sim.app(), first, first.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
          .setTenantId(TENANT).setIntegration(Integration.newBuilder().setDisplayName("Cap").setOktaDomain(sim.baseUrl())
              .setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(CAP)).build()).getIntegration());
      // the org's lockout threshold as the integration test reads it: 10, so the lifetime budget (5) is not what binds
      Await.result(pool.preparedQuery("UPDATE integrations SET okta_lockout_threshold = 10 WHERE tenant_id = $1")
          .execute(Tuple.of(TENANT)));
      String login = "target@cap.example";
      SimUser u = sim.addUser(login, "Target", "Tester", "ACTIVE");
      sim.setPasswordChanged(u.id(), java.time.Instant.now().minus(Duration.ofDays(30)));
      sim.setLastLogin(u.id(), null);
      Await.result(pool.preparedQuery("""
          INSERT INTO identities (tenant_id, okta_user_id, login, email, first_name, last_name, status,
                                  password_changed, monitored)
          VALUES ($1, $2, $3, $3, 'Target', 'Tester', 'ACTIVE', $4, true)
          """).execute(Tuple.of(TENANT, u.id(), login, OffsetDateTime.now(ZoneOffset.UTC).minusDays(30))));

      List<CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub> stubs = new ArrayList<>();
      services.forEach(s -> stubs.add(CredentialCheckServiceGrpc.newFutureStub(s.channel)
          .withDeadlineAfter(60, TimeUnit.SECONDS)));
      long start = System.nanoTime();
      List<ListenableFuture<CheckCredentialResponse>> calls = new ArrayList<>();
      for (int i = 0; i < CHECKS; i++) {
        calls.add(stubs.get(i % INSTANCES).checkCredential(CheckCredentialRequest.newBuilder().setTenantId(TENANT)
            .setUsername(login).setPassword("wrong-leaked-" + i).setRequestId("cap-" + i).build()));
      }
      for (ListenableFuture<CheckCredentialResponse> call : calls) {
        call.get(60, TimeUnit.SECONDS);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      awaitQuiet(pool); // checks queued behind the per-user pacing are decided by the workers
      Map<String, Long> outcomes = new TreeMap<>();
      Await.result(pool.preparedQuery("SELECT outcome, count(*) FROM credential_checks WHERE tenant_id = $1 GROUP BY 1")
          .execute(Tuple.of(TENANT))).forEach(r -> outcomes.put(r.getString(0), r.getLong(1)));
      return new Result(sim.counters().authnCalls(login), CAP, outcomes, seconds);
    } finally {
      for (RunningService s : services) {
        s.close();
      }
      if (sim != null) {
        Await.result(sim.stop());
      }
      Await.result(pool.close());
      Await.result(vertx.close());
    }
  }

  private static void awaitQuiet(Pool pool) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      long busy = Await.result(pool.preparedQuery("""
          SELECT count(*) FROM credential_checks
          WHERE tenant_id = $1 AND outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED')
            AND (next_attempt_time <= now() OR lease_owner IS NOT NULL)
          """).execute(Tuple.of(TENANT))).iterator().next().getLong(0);
      if (busy == 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the workers did not drain the due checks within 90 s");
  }
}
