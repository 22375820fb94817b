package io.flare.iem.identitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.Identity;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An incremental sync lists the users Okta changed after the previous run started (by Okta's
 * clock), not after the newest change that run happened to see: a user changed behind the cursor
 * of a long run, while another changed ahead of it, is caught by the next incremental sync. The
 * overlap margin is 1 s here, so that a run of a few seconds is long enough to show it.
 */
class IncrementalSyncGapTest {

  static final String LIST = "GET /api/v1/users";
  static Vertx vertx;
  static RunningService service;
  static OktaSimulator sim;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    service = RunningService.start(TestServers.config(TestServers.newDatabase(),
        Map.of("IEM_SYNC_INCREMENTAL_OVERLAP_SECONDS", "1")));
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(1000).mixedStatuses(false).unlimited(true));
  }

  @AfterAll
  static void stop() {
    service.close();
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  @Test
  void a_user_changed_behind_the_cursor_of_a_long_incremental_run_is_caught_by_the_next_one() {
    String tenant = "gap-" + System.nanoTime();
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(10_000))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Acme")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId())).build()).getIntegration();
    OktaSims.trust(sim.app(), service, created);
    awaitRuns(tenant, 1);
    // every user changes: the next incremental run lists the whole org, five pages of 200
    for (int i = 0; i < 1000; i++) {
      sim.updateProfile(sim.userId(i), null, "Changed", null);
    }
    sim.faults().latency(Duration.ofMillis(700));
    long before = sim.counters().requests(LIST);

    String run = startIncremental(tenant);
    awaitListRequests(n -> n >= before + 1); // the first page (users 0 to 199) is listed
    sim.updateProfile(sim.userId(10), null, "Behind", null);
    awaitListRequests(n -> n >= before + 3);
    assertThat(sim.counters().requests(LIST)).as("the last page (users 800 to 999) is not asked for yet")
        .isLessThan(before + 5);
    sim.updateProfile(sim.userId(900), null, "Ahead", null); // seen by this run, more than the margin later
    assertThat(awaitEnd(tenant, run).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    sim.faults().clear();
    assertThat(lastName(tenant, 900)).isEqualTo("Ahead");
    assertThat(lastName(tenant, 10)).as("changed behind the cursor: not seen by that run").isEqualTo("Changed");

    assertThat(awaitEnd(tenant, startIncremental(tenant)).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);

    assertThat(lastName(tenant, 10)).as("caught by the next incremental run").isEqualTo("Behind");
  }

  static String startIncremental(String tenant) {
    SyncRun run = service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
        .setMode(SyncMode.SYNC_MODE_INCREMENTAL).build()).getSyncRun();
    assertThat(run.getMode()).isEqualTo(SyncMode.SYNC_MODE_INCREMENTAL);
    return run.getSyncRunId();
  }

  static String lastName(String tenant, int index) {
    String login = sim.user(index).orElseThrow().login();
    Identity identity = service.sync().listIdentities(ListIdentitiesRequest.newBuilder().setTenantId(tenant)
        .setLoginPrefix(login).build()).getIdentities(0);
    assertThat(identity.getLogin()).isEqualTo(login);
    return identity.getLastName();
  }

  static void awaitRuns(String tenant, int succeeded) {
    Await.until(() -> service.sync().listSyncRuns(io.flare.iem.v1.ListSyncRunsRequest.newBuilder()
        .setTenantId(tenant).build()).getSyncRunsList().stream()
        .filter(r -> r.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED).count() >= succeeded,
        Duration.ofSeconds(60), "the initial sync succeeds");
  }

  static SyncRun awaitEnd(String tenant, String runId) {
    return IdentitySyncEndpointTest.awaitEnd(tenant, runId, service);
  }

  static void awaitListRequests(LongPredicate done) {
    Await.until(() -> done.test(sim.counters().requests(LIST)), Duration.ofSeconds(30), "list requests");
  }
}
