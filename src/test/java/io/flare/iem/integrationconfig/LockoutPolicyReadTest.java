package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimApp;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationCheck;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestResult;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The org's lockout threshold, which bounds the checks' lifetime budget: read from every page of the
 * password policies, and read again by every sync, not only when the customer runs TestIntegration.
 */
class LockoutPolicyReadTest {

  RunningService service;
  OktaSimulator sim;
  String tenant;

  @BeforeEach
  void start() {
    service = RunningService.start();
    sim = OktaSims.start(service.vertx, new OktaSimulator.Options().users(20));
    sim.app().grantScopes("okta.users.read", "okta.policies.read").adminRole(SimApp.AdminRole.SUPER_ADMIN);
    tenant = "lockout-read-" + System.nanoTime();
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
  }

  @AfterEach
  void stop() {
    Await.result(sim.stop());
    service.close();
  }

  @Test
  void the_threshold_is_the_lowest_of_every_page_of_password_policies() {
    sim.lockoutPolicy(10, false);
    sim.addPasswordPolicy("Contractors", 2, 4).policyPageSize(1); // the stricter policy is on the second page
    connect();

    IntegrationCheck lockout = service.integrations().testIntegration(TestIntegrationRequest.newBuilder()
        .setTenantId(tenant).build()).getChecksList().stream()
        .filter(c -> c.getName().equals("lockout_policy")).findFirst().orElseThrow();

    assertThat(lockout.getResult()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(lockout.getDetail()).contains("lockout after 4 failed attempts");
    assertThat(threshold()).isEqualTo(4);
  }

  @Test
  void every_sync_reads_the_threshold_again() {
    sim.lockoutPolicy(10, false);
    connect(); // the initial sync reads it: no TestIntegration needed
    assertThat(threshold()).isEqualTo(10);

    sim.lockoutPolicy(6, false);
    String run = service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
        .setMode(SyncMode.SYNC_MODE_INCREMENTAL).build()).getSyncRun().getSyncRunId();
    awaitSucceeded(run);

    assertThat(threshold()).isEqualTo(6);

    sim.policyReadable(false); // the scope was taken away: the threshold read last stays
    awaitSucceeded(service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
        .setMode(SyncMode.SYNC_MODE_INCREMENTAL).build()).getSyncRun().getSyncRunId());
    assertThat(threshold()).isEqualTo(6);
  }

  @Test
  void a_sync_reads_the_users_and_the_policies_with_one_token() {
    sim.lockoutPolicy(10, false);
    connect();

    assertThat(threshold()).isEqualTo(10);
    assertThat(sim.counters().tokensIssued()).as("tokens issued for the initial sync's reads").isEqualTo(1);
  }

  @Test
  void an_app_without_the_policies_scope_still_syncs_with_a_token_of_its_own() {
    sim.app().revokeScopes("okta.policies.read");
    sim.lockoutPolicy(10, false);
    connect();

    assertThat(threshold()).as("unread").isZero();
    assertThat(sim.counters().tokensIssued()).isEqualTo(1);
  }

  @Test
  void an_org_that_refused_us_when_the_sync_began_is_read_once_the_listing_got_through() {
    sim.lockoutPolicy(10, false);
    // the customer registers the integration's jwks_url only after creating it: the initial sync's
    // first requests are refused (invalid_client), the policies unread
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Acme")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId())).build()).getIntegration();
    Await.until(() -> sim.counters().requests("POST /oauth2/v1/token") >= 1, Duration.ofSeconds(30),
        "a token request refused before the key is registered");
    assertThat(sim.counters().tokensIssued()).isZero();

    OktaSims.trust(sim.app(), service, created);
    Await.until(() -> service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build())
        .getSyncRunsList().stream().anyMatch(r -> r.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED),
        Duration.ofSeconds(90), "the initial sync succeeds");
    assertThat(threshold()).as("read when the listing got through").isEqualTo(10);
  }

  void connect() {
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Acme")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId())).build()).getIntegration();
    OktaSims.trust(sim.app(), service, created);
    Await.until(() -> service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build())
        .getSyncRunsList().stream().anyMatch(r -> r.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED),
        Duration.ofSeconds(60), "the initial sync succeeds");
  }

  void awaitSucceeded(String runId) {
    Await.until(() -> service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build())
        .getSyncRunsList().stream().anyMatch(r -> r.getSyncRunId().equals(runId)
            && r.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED), Duration.ofSeconds(60), "the sync succeeds");
  }

  int threshold() {
    return service.integrations().getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build())
        .getIntegration().getOktaLockoutThreshold();
  }
}
