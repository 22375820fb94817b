package io.flare.iem.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.config.AppConfig;
import io.flare.iem.dev.EmbeddedPostgres;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sync under faults: Postgres stopped and started again mid-run, Okta dropping connections,
 * answering 5xx, slowing down and rate limiting. The run always completes once things recover,
 * with exact counts and no duplicate, and a well-formed call never gets UNKNOWN or INTERNAL.
 */
class SyncResilienceTest {

  static Vertx vertx;
  static EmbeddedPostgres pg;
  static RunningService service;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    // its own Postgres server: this test stops it
    pg = EmbeddedPostgres.start(Path.of("target", "resilience-pg", UUID.randomUUID().toString()), 0, true);
    service = RunningService.start(TestServers.config(pg.connection(8)));
  }

  @AfterAll
  static void stop() {
    service.close();
    pg.close();
    // its data directory is left in target/ for post-mortems
    Await.result(vertx.close());
  }

  static String connect(OktaSimulator sim) {
    return connect(service, sim);
  }

  /** A tenant with an integration of {@code service} on {@code sim}'s org (its initial sync starts). */
  static String connect(RunningService service, OktaSimulator sim) {
    String tenant = "res-" + UUID.randomUUID().toString().substring(0, 8);
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(100_000).setAutoIdentifiersEnabled(true))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("auto_identifiers_enabled")).build());
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Acme")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId()).setAutoCreateIdentifiers(true)).build())
        .getIntegration();
    OktaSims.trust(sim.app(), service, created);
    return tenant;
  }

  static SyncRun run(String tenant) {
    return run(service, tenant);
  }

  static SyncRun run(RunningService service, String tenant) {
    return service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build()).getSyncRuns(0);
  }

  static SyncRun awaitEnd(String tenant) throws InterruptedException {
    return awaitEnd(service, tenant);
  }

  static SyncRun awaitEnd(RunningService service, String tenant) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        SyncRun run = service.sync().getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(tenant)
            .setSyncRunId(run(service, tenant).getSyncRunId()).build()).getSyncRun();
        if (run.getState() != SyncRunState.SYNC_RUN_STATE_RUNNING && run.getState() != SyncRunState.SYNC_RUN_STATE_QUEUED) {
          return run;
        }
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).as("a read while Postgres recovers").isEqualTo(Status.Code.UNAVAILABLE);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the run did not end");
  }

  static Set<String> identities(String tenant) {
    return identities(service, tenant);
  }

  static Set<String> identities(RunningService service, String tenant) {
    Set<String> ids = new HashSet<>();
    String token = "";
    do {
      var page = service.sync().listIdentities(ListIdentitiesRequest.newBuilder().setTenantId(tenant)
          .setPageSize(1000).setPageToken(token).build());
      page.getIdentitiesList().forEach(i -> assertThat(ids.add(i.getOktaUserId())).as("duplicate").isTrue());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return ids;
  }

  @Test
  void postgres_stopped_and_restarted_during_a_sync_makes_it_wait_then_finish_exactly() throws Exception {
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(5000).seed(21).unlimited(true));
    sim.faults().latency(Duration.ofMillis(40));
    String tenant = connect(sim);
    long deadline = System.currentTimeMillis() + 30_000;
    while (run(tenant).getUsersSeen() < 1000) {
      assertThat(System.currentTimeMillis()).isLessThan(deadline);
      Thread.sleep(20);
    }
    pg.stop();
    try {
      for (int i = 0; i < 5; i++) {
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class,
            () -> service.integrations().getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build()));
        assertThat(e).as("Postgres is down").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).contains("retry later");
        Thread.sleep(300);
      }
    } finally {
      pg.startAgain();
    }
    sim.faults().clear();
    SyncRun done = awaitEnd(tenant);
    assertThat(done.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    assertThat(done.getUsersSeen()).isEqualTo(5000);
    assertThat(done.getIdentitiesCreated()).isEqualTo(5000);
    assertThat(identities(tenant)).hasSize(5000);
    Await.result(sim.stop());
  }

  @Test
  void okta_dropping_connections_failing_slow_and_rate_limiting_still_gives_an_exact_sync() throws Exception {
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(4000).seed(22).unlimited(true));
    sim.faults().dropNext(5).failRate(0.2, 502).latency(Duration.ofMillis(15))
        .force429(Duration.ofSeconds(5), SimBucket.USERS);
    String tenant = connect(sim);
    SyncRun done = awaitEnd(tenant);
    sim.faults().clear();
    assertThat(done.getState()).as(done.getErrorMessage()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    assertThat(done.getUsersSeen()).isEqualTo(4000);
    assertThat(done.getIdentitiesCreated()).isEqualTo(4000);
    assertThat(done.getRateLimitWaits()).isPositive();
    assertThat(identities(tenant)).hasSize(4000);
    Await.result(sim.stop());
  }
}
