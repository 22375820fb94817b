package io.flare.iem.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.dev.EmbeddedPostgres;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.Frozen;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sync while a dependency hangs (Postgres frozen with SIGSTOP; the Okta org holding every request
 * unanswered), a few seconds beyond the service's bound on waiting for it. Reads made meanwhile
 * answer, or answer UNAVAILABLE or DEADLINE_EXCEEDED (never INTERNAL or UNKNOWN), and the run
 * completes after the thaw with exact counts and no duplicate.
 */
class SyncHangTest {

  static final Set<Status.Code> DOCUMENTED = Set.of(Status.Code.OK, Status.Code.UNAVAILABLE,
      Status.Code.DEADLINE_EXCEEDED);

  /** The pool's wait for a connection (10 s) plus a few seconds. */
  static final long PG_HANG_MS = 13_000;

  /** The Okta request timeout this test sets (2 s) plus a few seconds. */
  static final long OKTA_HANG_MS = 5_000;

  static Vertx vertx;
  static EmbeddedPostgres pg;
  static RunningService service;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    // its own Postgres server: this test freezes it
    pg = EmbeddedPostgres.start(Path.of("target", "resilience-pg", UUID.randomUUID().toString()), 0, true);
    // a sync lease shorter than the Postgres hang: the run's lease expires while its replica still runs it
    service = RunningService.start(TestServers.config(pg.connection(8),
        Map.of("IEM_OKTA_REQUEST_TIMEOUT_SECONDS", "2", "IEM_SYNC_LEASE_SECONDS", "5")));
  }

  @AfterAll
  static void stop() {
    service.close();
    pg.close();
    Await.result(vertx.close());
  }

  @Test
  void postgres_frozen_during_a_sync_answers_retryable_statuses_then_the_run_finishes_exactly() throws Exception {
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(2000).seed(31).unlimited(true));
    sim.faults().latency(Duration.ofMillis(300)); // a page every 300 ms: the run lasts past the hang's start
    String tenant = SyncResilienceTest.connect(service, sim);
    Await.until(() -> SyncResilienceTest.run(service, tenant).getUsersSeen() >= 500, Duration.ofSeconds(30),
        "the sync to be under way");
    List<Status.Code> codes = readsDuring(tenant, Frozen.freeze(pg.process()), PG_HANG_MS);
    sim.faults().clear();
    assertThat(codes).as("reads while Postgres hung").isNotEmpty().isSubsetOf(DOCUMENTED);
    // the run's batches waited past the pool's connection timeout: the run waits and resumes, it does not fail
    assertExact(tenant, 2000);
    Await.result(sim.stop());
  }

  @Test
  void okta_hanging_during_a_sync_makes_it_wait_then_finish_exactly() throws Exception {
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(2000).seed(32).unlimited(true));
    sim.faults().latency(Duration.ofMillis(300)); // a page every 300 ms: the run lasts past the hang's start
    String tenant = SyncResilienceTest.connect(service, sim);
    Await.until(() -> SyncResilienceTest.run(service, tenant).getUsersSeen() >= 500, Duration.ofSeconds(30),
        "the sync to be under way");
    long pagesBefore = sim.counters().received("GET /api/v1/users");
    sim.faults().hang();
    List<Status.Code> codes = readsDuring(tenant, Frozen.of(() -> {
      assertThat(SyncResilienceTest.run(service, tenant).getState()).as("the run while Okta hangs")
          .isIn(SyncRunState.SYNC_RUN_STATE_RUNNING, SyncRunState.SYNC_RUN_STATE_QUEUED);
      sim.faults().release();
    }), OKTA_HANG_MS);
    sim.faults().clear();
    assertThat(codes).as("reads while Okta hung").isNotEmpty().containsOnly(Status.Code.OK);
    assertThat(sim.counters().received("GET /api/v1/users")).as("pages asked for after the hang began")
        .isGreaterThan(pagesBefore);
    assertExact(tenant, 2000);
    Await.result(sim.stop());
  }

  /**
   * Reads of the tenant's integration and its run, back to back from another thread, while the hang
   * lasts {@code hangMs}; ends the hang on time whatever the reads do, then each read's code (a read
   * still waiting at the thaw is answered after it).
   */
  private static List<Status.Code> readsDuring(String tenant, Frozen hang, long hangMs) throws Exception {
    java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.Future<List<Status.Code>> reads = reader.submit(() -> readsFor(tenant, hangMs));
      try (hang) {
        Thread.sleep(hangMs); // how long the hang lasts, not evidence of anything
      }
      return reads.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      reader.shutdownNow();
    }
  }

  /** Reads of the tenant's integration and its run, back to back for {@code millis}; each call's code. */
  private static List<Status.Code> readsFor(String tenant, long millis) {
    List<Status.Code> codes = new ArrayList<>();
    long end = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < end) {
      codes.add(code(() -> service.integrations().getIntegration(GetIntegrationRequest.newBuilder()
          .setTenantId(tenant).build())));
      codes.add(code(() -> service.sync().getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(tenant)
          .setSyncRunId(SyncResilienceTest.run(service, tenant).getSyncRunId()).build())));
    }
    return codes;
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static void assertExact(String tenant, int users) throws InterruptedException {
    SyncRun done = SyncResilienceTest.awaitEnd(service, tenant);
    assertThat(done.getState()).as(done.getErrorMessage()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    assertThat(done.getUsersSeen()).as("no page counted twice").isEqualTo(users);
    assertThat(done.getPagesFetched()).as("no page listed twice").isEqualTo(users / 200);
    assertThat(done.getIdentitiesCreated()).isEqualTo(users);
    assertThat(SyncResilienceTest.identities(service, tenant)).hasSize(users);
  }
}
