package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.flare.iem.config.AppConfig;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.storage.Stores;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.ServiceProcess;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link CapAcrossReplicasTest}'s headline promise with replicas as production runs them: three
 * processes of the packaged jar sharing one Postgres database and one Redis. 1,000 leaked
 * passwords for one identity, sent to the three at once, cost exactly the daily cap (2) in authn
 * calls as the simulated Okta org counts them, and every other check is THROTTLED.
 */
class CapAcrossProcessesIT {

  static final int CHECKS = 1000;
  static final String TENANT = "cap-processes-" + UUID.randomUUID().toString().substring(0, 6);

  @Test
  void a_thousand_concurrent_checks_on_three_processes_make_exactly_the_daily_cap_of_authn_calls() throws Exception {
    Vertx vertx = Vertx.vertx();
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(0).mixedStatuses(false));
    sim.lockoutPolicy(10, false);
    SimUser user = sim.addUser("target@" + TENANT + ".example", "Target", "Tester", "ACTIVE");
    sim.setPasswordChanged(user.id(), Instant.now().minus(Duration.ofDays(30)));
    sim.setLastLogin(user.id(), null);
    AppConfig.Postgres pg = TestServers.newDatabase();
    Pool pool = Stores.postgres(vertx, pg);
    List<ServiceProcess> processes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) { // started together: three replicas migrating one database at once
        processes.add(ServiceProcess.start(pg, Map.of("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1")));
      }
      for (ServiceProcess process : processes) {
        process.awaitServing();
      }
      integrate(sim, processes.get(0), pool);

      List<ListenableFuture<CheckCredentialResponse>> calls = new ArrayList<>();
      for (int i = 0; i < CHECKS; i++) {
        calls.add(CredentialCheckServiceGrpc.newFutureStub(processes.get(i % 3).adminChannel)
            .withDeadlineAfter(60, TimeUnit.SECONDS).checkCredential(request(user.login(), "wrong-leaked-" + i)));
      }
      for (ListenableFuture<CheckCredentialResponse> call : calls) {
        assertThat(call.get(60, TimeUnit.SECONDS).getCheck().getOutcome())
            .isNotEqualTo(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
      }
      // checks queued behind the per-identity pacing are decided by the processes' workers
      Await.until(() -> !outcomes(pool).containsKey("PENDING") && !outcomes(pool).containsKey("UNVERIFIED"),
          Duration.ofSeconds(60), "every check decided");

      assertThat(sim.counters().authnCalls(user.login())).isEqualTo(2);
      assertThat(outcomes(pool)).containsEntry("INVALID", 2L).containsEntry("THROTTLED", (long) CHECKS - 2)
          .hasSize(2);
      assertThat(sim.user(user.id()).orElseThrow().failedAttempts()).isEqualTo(2);
      for (ServiceProcess process : processes) {
        assertThat(process.isAlive()).as("process on gRPC port %d; log:%n%s", process.grpcPort, process.log())
            .isTrue();
      }
    } finally {
      processes.forEach(ServiceProcess::close);
      Await.result(pool.close());
      Await.result(sim.stop());
      Await.result(vertx.close());
    }
  }

  /**
   * The tenant, its integration (cap 2) trusted by the org at the first process's JWKS URL, and its
   * initial sync, which stores the user's identity; then the org's lockout threshold as the
   * integration would read it with {@code okta.policies.read}.
   */
  private static void integrate(OktaSimulator sim, ServiceProcess process, Pool pool) {
    var integrations = IntegrationConfigServiceGrpc.newBlockingStub(process.adminChannel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
    integrations.updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(TENANT)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
    Integration created = integrations.createIntegration(CreateIntegrationRequest.newBuilder().setTenantId(TENANT)
        .setIntegration(Integration.newBuilder().setDisplayName("Checks").setOktaDomain(sim.baseUrl())
            .setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(2)).build()).getIntegration();
    OktaSims.trust(sim.app(), "http://127.0.0.1:" + process.httpPort, created);
    var sync = IdentitySyncServiceGrpc.newBlockingStub(process.adminChannel).withDeadlineAfter(30, TimeUnit.SECONDS);
    Await.until(() -> sync.listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(TENANT).build())
        .getSyncRunsList().stream().anyMatch(run -> run.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED),
        Duration.ofSeconds(60), "the initial sync");
    Await.result(pool.preparedQuery("UPDATE integrations SET okta_lockout_threshold = 10 WHERE tenant_id = $1")
        .execute(Tuple.of(TENANT)));
  }

  private static CheckCredentialRequest request(String username, String password) {
    Instant leaked = Instant.now().minus(Duration.ofDays(1));
    return CheckCredentialRequest.newBuilder().setTenantId(TENANT).setUsername(username).setPassword(password)
        .setRequestId("req-" + UUID.randomUUID())
        .setLeak(Leak.newBuilder().setLeakId("leak-" + UUID.randomUUID()).setSource("paste site")
            .setSourceKind("combolist").setLeakedTime(Timestamp.newBuilder().setSeconds(leaked.getEpochSecond())))
        .build();
  }

  private static Map<String, Long> outcomes(Pool pool) {
    Map<String, Long> out = new HashMap<>();
    Await.result(pool.preparedQuery("SELECT outcome, count(*) FROM credential_checks WHERE tenant_id = $1 GROUP BY 1")
        .execute(Tuple.of(TENANT))).forEach(r -> out.put(r.getString(0), r.getLong(1)));
    return out;
  }
}
