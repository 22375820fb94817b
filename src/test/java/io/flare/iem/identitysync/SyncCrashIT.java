package io.flare.iem.identitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.config.AppConfig;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.ServiceProcess;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListIdentitiesResponse;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A replica is killed (SIGKILL: no chance to release anything) in the middle of a sync; another
 * replica takes the run over when its lease expires and finishes it from the last committed batch:
 * exact counts, no duplicate, no user listed twice.
 */
class SyncCrashIT {

  static final int USERS = 6000;

  @Test
  void killing_the_service_mid_sync_and_starting_another_finishes_the_run_exactly() throws Exception {
    Vertx vertx = Vertx.vertx();
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(USERS).seed(11).unlimited(true));
    sim.faults().latency(Duration.ofMillis(60)); // about 2 s of listing: time to kill it midway
    AppConfig.Postgres pg = TestServers.newDatabase();
    Map<String, String> env = Map.of("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1", "IEM_SYNC_LEASE_SECONDS", "3",
        "IEM_SYNC_BATCH_USERS", "400");
    String tenant = "crash";
    String runId;
    long seenBeforeKill;
    try (ServiceProcess first = ServiceProcess.start(pg, env).awaitServing()) {
      var integrations = IntegrationConfigServiceGrpc.newBlockingStub(first.adminChannel)
          .withDeadlineAfter(30, TimeUnit.SECONDS);
      integrations.updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
          .setSettings(TenantSettings.newBuilder().setIdentifierCap(100_000).setAutoIdentifiersEnabled(true))
          .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("auto_identifiers_enabled"))
          .build());
      OktaSims.trust(sim.app(), "http://127.0.0.1:" + first.httpPort, integrations.createIntegration(
          CreateIntegrationRequest.newBuilder().setTenantId(tenant)
          .setIntegration(Integration.newBuilder().setDisplayName("Crash org").setOktaDomain(sim.baseUrl())
              .setClientId(sim.app().clientId()).setAutoCreateIdentifiers(true)).build()).getIntegration());
      var sync = IdentitySyncServiceGrpc.newBlockingStub(first.adminChannel).withDeadlineAfter(30, TimeUnit.SECONDS);
      runId = sync.listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build()).getSyncRuns(0)
          .getSyncRunId();
      seenBeforeKill = waitForProgress(sync, tenant, runId, 1200);
      first.kill();
      assertThat(first.isAlive()).isFalse();
    }
    // straight from the table: a service started to read it would take the run over
    try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + pg.database(),
        pg.user(), pg.password()); var s = c.prepareStatement("SELECT state, users_seen FROM sync_runs WHERE sync_run_id = ?")) {
      s.setObject(1, java.util.UUID.fromString(runId));
      var rows = s.executeQuery();
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString("state")).isEqualTo("RUNNING");
      assertThat(rows.getLong("users_seen")).isGreaterThanOrEqualTo(seenBeforeKill).isLessThan(USERS);
    }

    try (RunningService second = RunningService.start(TestServers.config(pg, env))) {
      SyncRun done = awaitEnd(second, tenant, runId);
      assertThat(done.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(done.getUsersSeen()).as("no page listed twice").isEqualTo(USERS);
      assertThat(done.getIdentitiesCreated()).isEqualTo(USERS);
      assertThat(done.getPagesFetched()).isEqualTo(USERS / 200);
      Set<String> ids = new HashSet<>();
      String token = "";
      do {
        ListIdentitiesResponse page = second.sync().listIdentities(ListIdentitiesRequest.newBuilder()
            .setTenantId(tenant).setPageSize(1000).setPageToken(token).build());
        page.getIdentitiesList().forEach(i -> assertThat(ids.add(i.getOktaUserId())).as("duplicate").isTrue());
        assertThat(page.getTotalSize()).isEqualTo(USERS);
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      assertThat(ids).hasSize(USERS);
    } finally {
      Await.result(sim.stop());
      Await.result(vertx.close());
    }
  }

  static long waitForProgress(IdentitySyncServiceGrpc.IdentitySyncServiceBlockingStub sync, String tenant,
      String runId, long users) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      SyncRun run = sync.getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(tenant).setSyncRunId(runId).build())
          .getSyncRun();
      assertThat(run.getState()).isIn(SyncRunState.SYNC_RUN_STATE_QUEUED, SyncRunState.SYNC_RUN_STATE_RUNNING);
      if (run.getUsersSeen() >= users) {
        return run.getUsersSeen();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no progress");
  }

  static SyncRun awaitEnd(RunningService on, String tenant, String runId) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      SyncRun run = on.sync().getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(tenant).setSyncRunId(runId)
          .build()).getSyncRun();
      if (run.getState() != SyncRunState.SYNC_RUN_STATE_RUNNING && run.getState() != SyncRunState.SYNC_RUN_STATE_QUEUED) {
        return run;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run did not end");
  }
}
