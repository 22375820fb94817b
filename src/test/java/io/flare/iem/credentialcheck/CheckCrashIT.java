package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.config.AppConfig;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.ServiceProcess;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.ListCredentialChecksRequest;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.SkipReason;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A replica is killed (SIGKILL) while it holds a check it is deciding, its authn call to Okta in
 * flight. Another replica takes the check over when the lease expires and finishes it: the check
 * is neither lost nor duplicated, the attempt the dead replica made counts, and the password is
 * not sent to Okta a second time.
 */
class CheckCrashIT {

  static final String AUTHN = "POST /api/v1/authn";

  @Test
  void a_check_held_by_a_killed_replica_is_finished_by_another_without_a_second_call() throws Exception {
    Vertx vertx = Vertx.vertx();
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(20).seed(31).mixedStatuses(false));
    SimUser user = sim.users(u -> u.status().equals("ACTIVE"), 1).get(0);
    AppConfig.Postgres pg = TestServers.newDatabase();
    // Okta answers in 8 s below, within the request timeout; the token and the user's read take 16 s
    // before the authn call, which must leave by 35 - 10 - 5 = 20 s into the lease
    Map<String, String> env = Map.of("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1", "IEM_CHECK_LEASE_SECONDS", "35",
        "IEM_OKTA_REQUEST_TIMEOUT_SECONDS", "10");
    String tenant = "check-crash";
    String checkId;
    try (ServiceProcess first = ServiceProcess.start(pg, env).awaitServing()) {
      var integrations = IntegrationConfigServiceGrpc.newBlockingStub(first.adminChannel)
          .withDeadlineAfter(30, TimeUnit.SECONDS);
      integrations.updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
          .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000))
          .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
      OktaSims.trust(sim.app(), "http://127.0.0.1:" + first.httpPort, integrations.createIntegration(
          CreateIntegrationRequest.newBuilder().setTenantId(tenant)
          .setIntegration(Integration.newBuilder().setDisplayName("Crash org").setOktaDomain(sim.baseUrl())
              .setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(2)).build()).getIntegration());
      var sync = IdentitySyncServiceGrpc.newBlockingStub(first.adminChannel).withDeadlineAfter(30, TimeUnit.SECONDS);
      long deadline = System.currentTimeMillis() + 60_000;
      while (sync.listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build()).getSyncRuns(0)
          .getState() != SyncRunState.SYNC_RUN_STATE_SUCCEEDED) {
        assertThat(System.currentTimeMillis()).as("initial sync").isLessThan(deadline);
        Thread.sleep(100);
      }
      // Okta turns slow: the answer does not come within the inline wait, so the check is still held
      sim.faults().latency(Duration.ofSeconds(8));
      CredentialCheck accepted = CredentialCheckServiceGrpc.newBlockingStub(first.adminChannel)
          .withDeadlineAfter(60, TimeUnit.SECONDS)
          .checkCredential(CheckCredentialRequest.newBuilder().setTenantId(tenant).setUsername(user.login())
              .setPassword("a-wrong-leaked-password").setRequestId("crash-1").build()).getCheck();
      assertThat(accepted.getOutcome()).as("answered while still being decided")
          .isIn(CheckOutcome.CHECK_OUTCOME_PENDING, CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
      checkId = accepted.getCheckId();
      long sent = System.currentTimeMillis() + 30_000;
      while (sim.counters().received(AUTHN) == 0) { // the password reached Okta; its answer is 8 s away
        assertThat(System.currentTimeMillis()).as("the authn call reaches the org").isLessThan(sent);
        Thread.sleep(20);
      }
      first.kill();
    }
    sim.faults().clear();
    try (RunningService second = RunningService.start(TestServers.config(pg, env))) {
      long deadline = System.currentTimeMillis() + 90_000;
      CredentialCheck check = null;
      do {
        CredentialCheck seen = check;
        assertThat(System.currentTimeMillis()).as("the check is finished by the other replica; last seen %s", seen)
            .isLessThan(deadline);
        Thread.sleep(200);
        check = second.checks().getCredentialCheck(GetCredentialCheckRequest.newBuilder().setTenantId(tenant)
            .setCheckId(checkId).build()).getCheck();
      } while (!check.hasDecideTime());
      // the answer died with the first replica: the password is not sent again, and the check says so
      assertThat(check.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_SKIPPED);
      assertThat(check.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_ALREADY_TESTED);
      assertThat(check.getDetail()).contains("never stored");
      assertThat(second.checks().listCredentialChecks(ListCredentialChecksRequest.newBuilder().setTenantId(tenant)
          .build()).getChecksCount()).as("one check, not two").isEqualTo(1);
      assertThat(sim.counters().received(AUTHN)).as("authn requests that reached Okta").isEqualTo(1);
    } finally {
      Await.result(sim.stop());
      Await.result(vertx.close());
    }
  }
}
