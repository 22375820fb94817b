package io.flare.iem.identitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.FieldMask;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CancelSyncRunRequest;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetIdentityRequest;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListIdentitiesResponse;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.SyncTrigger;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.flare.iem.v1.UserStatus;
import io.flare.iem.v1.WatchSyncRunRequest;
import io.flare.iem.v1.WatchSyncRunResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IdentitySyncService end to end: the service (production wiring, real Postgres and Redis) syncs a
 * simulated Okta org, and every figure is checked against the simulator's own users.
 */
class IdentitySyncEndpointTest {

  static final AtomicInteger TENANTS = new AtomicInteger();
  static Vertx vertx;
  static RunningService service;
  static final List<OktaSimulator> sims = new ArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    service = RunningService.start();
  }

  @AfterAll
  static void stop() {
    service.close();
    sims.forEach(sim -> Await.result(sim.stop()));
    Await.result(vertx.close());
  }

  static OktaSimulator org(int users) {
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(users).seed(users + sims.size())
        .mixedStatuses(true).unlimited(true));
    sims.add(sim);
    return sim;
  }

  static String tenant(int cap) {
    String tenant = "sync-" + TENANTS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(cap).setAutoIdentifiersEnabled(true))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("auto_identifiers_enabled")).build());
    return tenant;
  }

  /** Creates the integration (which starts the initial full sync) and waits for that sync to end. */
  static SyncRun connect(String tenant, OktaSimulator sim, RunningService on) {
    Integration created = on.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Acme")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId()).setAutoCreateIdentifiers(true)).build())
        .getIntegration();
    OktaSims.trust(sim.app(), on, created);
    SyncRun initial = latest(tenant, on);
    assertThat(initial.getTrigger()).isEqualTo(SyncTrigger.SYNC_TRIGGER_INITIAL);
    assertThat(initial.getMode()).isEqualTo(SyncMode.SYNC_MODE_FULL);
    return awaitEnd(tenant, initial.getSyncRunId(), on);
  }

  static SyncRun latest(String tenant, RunningService on) {
    return on.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build()).getSyncRuns(0);
  }

  static SyncRun awaitEnd(String tenant, String runId, RunningService on) {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      SyncRun run = on.sync().getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(tenant).setSyncRunId(runId)
          .build()).getSyncRun();
      if (ended(run)) {
        return run;
      }
      sleep(50);
    }
    throw new AssertionError("sync run " + runId + " did not end");
  }

  static boolean ended(SyncRun run) {
    return run.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED || run.getState() == SyncRunState.SYNC_RUN_STATE_FAILED
        || run.getState() == SyncRunState.SYNC_RUN_STATE_CANCELLED;
  }

  static SyncRun sync(String tenant, SyncMode mode) {
    SyncRun started = service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant).setMode(mode).build())
        .getSyncRun();
    return awaitEnd(tenant, started.getSyncRunId(), service);
  }

  static ListIdentitiesResponse identities(String tenant, UserStatus status, String token) {
    return service.sync().listIdentities(ListIdentitiesRequest.newBuilder().setTenantId(tenant).setStatus(status)
        .setPageSize(1000).setPageToken(token).build());
  }

  static Set<String> allOktaIds(String tenant) {
    Set<String> ids = new HashSet<>();
    String token = "";
    do {
      ListIdentitiesResponse page = identities(tenant, UserStatus.USER_STATUS_UNSPECIFIED, token);
      page.getIdentitiesList().forEach(i -> assertThat(ids.add(i.getOktaUserId())).as("duplicate").isTrue());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return ids;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- acceptance 1 ---------------------------------------------------------------------------

  @Test
  void org_of_5000_users_in_mixed_statuses_syncs_exactly_then_full_changes_nothing_then_incremental_applies_changes() {
    OktaSimulator sim = org(5000);
    String tenant = tenant(100_000);
    List<SimUser> all = sim.users(u -> true, 10_000);
    assertThat(all).hasSize(5000);
    assertThat(all.stream().map(SimUser::status).distinct().count()).as("mixed statuses").isGreaterThanOrEqualTo(6);

    SyncRun initial = connect(tenant, sim, service);
    assertThat(initial.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    assertThat(initial.getUsersSeen()).isEqualTo(5000);
    assertThat(initial.getIdentitiesCreated()).isEqualTo(5000);
    assertThat(initial.getPagesFetched()).isEqualTo(25);
    assertThat(allOktaIds(tenant)).isEqualTo(all.stream().map(SimUser::id).collect(java.util.stream.Collectors.toSet()));
    long deprovisioned = all.stream().filter(u -> u.status().equals("DEPROVISIONED")).count();
    assertThat(identities(tenant, UserStatus.USER_STATUS_DEPROVISIONED, "").getTotalSize()).isEqualTo(deprovisioned);
    assertThat(identities(tenant, UserStatus.USER_STATUS_UNSPECIFIED, "").getTotalSize()).isEqualTo(5000);

    SyncRun again = sync(tenant, SyncMode.SYNC_MODE_FULL);
    assertThat(again.getUsersSeen()).isEqualTo(5000);
    assertThat(again.getIdentitiesCreated()).isZero();
    assertThat(again.getIdentitiesUpdated()).isZero();
    assertThat(again.getIdentitiesRemoved()).isZero();
    assertThat(again.getIdentifiersCreated()).isZero();

    List<SimUser> active = all.stream().filter(u -> u.status().equals("ACTIVE")).toList();
    for (int i = 0; i < 100; i++) {
      sim.updateProfile(active.get(i).id(), null, "Changed" + i, null);
    }
    for (int i = 100; i < 110; i++) {
      sim.deprovision(active.get(i).id());
    }
    List<String> added = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      added.add(sim.addUser("new.hire" + i + "@acme.example", "New", "Hire" + i, "ACTIVE").id());
    }
    SyncRun incremental = sync(tenant, SyncMode.SYNC_MODE_INCREMENTAL);
    assertThat(incremental.getMode()).isEqualTo(SyncMode.SYNC_MODE_INCREMENTAL);
    assertThat(incremental.getIdentitiesCreated()).isEqualTo(20);
    assertThat(incremental.getIdentitiesUpdated()).isEqualTo(110);
    assertThat(incremental.getIdentitiesRemoved()).isEqualTo(10);
    assertThat(incremental.getUsersSeen()).isLessThan(500); // only what changed, not the org
    assertThat(allOktaIds(tenant)).hasSize(5020).containsAll(added);
    var renamed = service.sync().listIdentities(ListIdentitiesRequest.newBuilder().setTenantId(tenant)
        .setLoginPrefix(active.get(0).login().substring(0, 6)).setPageSize(1000).build()).getIdentitiesList().stream()
        .filter(i -> i.getOktaUserId().equals(active.get(0).id())).findFirst().orElseThrow();
    assertThat(renamed.getLastName()).isEqualTo("Changed0");
    var gone = service.sync().getIdentity(GetIdentityRequest.newBuilder().setTenantId(tenant)
        .setIdentityId(find(tenant, active.get(100).id())).build()).getIdentity();
    assertThat(gone.getStatus()).isEqualTo(UserStatus.USER_STATUS_DEPROVISIONED);
    assertThat(gone.getMonitored()).isFalse();
    assertThat(gone.getIdentifiersList()).isEmpty();
  }

  static String find(String tenant, String oktaUserId) {
    String token = "";
    do {
      ListIdentitiesResponse page = identities(tenant, UserStatus.USER_STATUS_UNSPECIFIED, token);
      for (var i : page.getIdentitiesList()) {
        if (i.getOktaUserId().equals(oktaUserId)) {
          return i.getIdentityId();
        }
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    throw new AssertionError("no identity for " + oktaUserId);
  }

  // ---- acceptance 2 ---------------------------------------------------------------------------

  @Test
  void app_scoped_to_a_resource_set_of_300_users_syncs_exactly_those() {
    OktaSimulator sim = org(2000);
    List<String> scoped = sim.users(u -> !u.status().equals("DEPROVISIONED"), 2000).stream().map(SimUser::id)
        .limit(300).toList();
    sim.app().resourceSet(scoped);
    String tenant = tenant(100_000);
    SyncRun initial = connect(tenant, sim, service);
    assertThat(initial.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    assertThat(initial.getUsersSeen()).isEqualTo(300);
    assertThat(allOktaIds(tenant)).containsExactlyInAnyOrderElementsOf(scoped);
  }

  // ---- acceptance 3 (two instances) -----------------------------------------------------------

  @Test
  void two_instances_asked_to_sync_the_same_tenant_at_once_produce_one_run() throws Exception {
    OktaSimulator sim = org(3000);
    String tenant = tenant(100_000);
    connect(tenant, sim, service);
    sim.faults().latency(Duration.ofMillis(30)); // keep the run going while both ask
    try (RunningService second = RunningService.start(service.config)) {
      List<CompletableFuture<SyncRun>> asks = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        RunningService on = i % 2 == 0 ? service : second;
        asks.add(CompletableFuture.supplyAsync(() -> on.sync().startSync(StartSyncRequest.newBuilder()
            .setTenantId(tenant).setMode(SyncMode.SYNC_MODE_FULL).build()).getSyncRun()));
      }
      Set<String> ids = new HashSet<>();
      for (var ask : asks) {
        ids.add(ask.get(30, TimeUnit.SECONDS).getSyncRunId());
      }
      assertThat(ids).hasSize(1);
      SyncRun done = awaitEnd(tenant, ids.iterator().next(), service);
      assertThat(done.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(done.getUsersSeen()).isEqualTo(3000);
      assertThat(service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build())
          .getSyncRunsCount()).isEqualTo(2);
    } finally {
      sim.faults().clear();
    }
  }

  // ---- acceptance 4 ---------------------------------------------------------------------------

  @Test
  void sync_under_a_429_storm_and_intermittent_5xx_completes_with_exact_counts() {
    OktaSimulator sim = org(4000);
    String tenant = tenant(100_000);
    sim.faults().force429(Duration.ofSeconds(3), SimBucket.USERS).failRate(0.15, 503);
    try {
      SyncRun initial = connect(tenant, sim, service);
      assertThat(initial.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(initial.getUsersSeen()).isEqualTo(4000);
      assertThat(initial.getIdentitiesCreated()).isEqualTo(4000);
      assertThat(initial.getRateLimitWaits()).isPositive();
      assertThat(initial.getOktaRequests()).isGreaterThan(initial.getPagesFetched());
      assertThat(allOktaIds(tenant)).hasSize(4000);
    } finally {
      sim.faults().clear();
    }
  }

  @Test
  void a_sync_whose_listing_fails_midway_sweeps_nothing() {
    OktaSimulator sim = org(3000);
    String tenant = tenant(100_000);
    connect(tenant, sim, service);
    // hard-delete users, then break the listing part-way: nothing may be swept
    List<SimUser> users = sim.users(u -> true, 3000);
    for (int i = 0; i < 50; i++) {
      sim.hardDelete(users.get(i * 7).id());
    }
    sim.faults().latency(Duration.ofMillis(40));
    SyncRun started = service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
        .setMode(SyncMode.SYNC_MODE_FULL).build()).getSyncRun();
    long deadline = System.currentTimeMillis() + 30_000;
    while (service.sync().getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(tenant)
        .setSyncRunId(started.getSyncRunId()).build()).getSyncRun().getPagesFetched() < 2) {
      assertThat(System.currentTimeMillis()).isLessThan(deadline);
      sleep(20);
    }
    // the customer removes the app's admin role mid-run: 403 E0000006, a misconfiguration, not an outage
    sim.app().adminRole(io.flare.iem.oktasim.SimApp.AdminRole.NONE);
    SyncRun failed = awaitEnd(tenant, started.getSyncRunId(), service);
    sim.faults().clear();
    sim.app().adminRole(io.flare.iem.oktasim.SimApp.AdminRole.SUPER_ADMIN);
    assertThat(failed.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_FAILED);
    assertThat(failed.getErrorMessage()).isNotBlank();
    assertThat(failed.getIdentitiesRemoved()).isZero();
    assertThat(allOktaIds(tenant)).hasSize(3000);

    SyncRun complete = sync(tenant, SyncMode.SYNC_MODE_FULL);
    assertThat(complete.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    assertThat(allOktaIds(tenant)).hasSize(2950);
  }

  // ---- acceptance 5 ---------------------------------------------------------------------------

  @Test
  void identifier_cap_picks_by_priority_reports_the_rest_and_raising_it_fills_in() {
    OktaSimulator sim = org(1000);
    List<SimUser> users = sim.users(u -> !u.status().equals("DEPROVISIONED"), 1000);
    String tenant = tenant(200);
    SyncRun capped = connect(tenant, sim, service);
    assertThat(capped.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    assertThat(capped.getIdentifiersOverCap()).isPositive();
    long monitoredIdentifiers = 0;
    List<io.flare.iem.v1.Identity> monitored = new ArrayList<>();
    List<io.flare.iem.v1.Identity> unmonitored = new ArrayList<>();
    String token = "";
    do {
      var page = identities(tenant, UserStatus.USER_STATUS_UNSPECIFIED, token);
      for (var i : page.getIdentitiesList()) {
        if (i.getStatus() == UserStatus.USER_STATUS_DEPROVISIONED) {
          continue;
        }
        (i.getMonitored() ? monitored : unmonitored).add(i);
        monitoredIdentifiers += i.getIdentifiersCount();
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertThat(monitoredIdentifiers).isLessThanOrEqualTo(200);
    assertThat(monitored.size() + unmonitored.size()).isEqualTo(users.size());
    // the documented priority: every monitored identity ranks before every unmonitored one
    java.util.Comparator<io.flare.iem.v1.Identity> priority = java.util.Comparator
        .comparing((io.flare.iem.v1.Identity i) -> i.getStatus() != UserStatus.USER_STATUS_ACTIVE)
        .thenComparing(i -> -(i.hasLastLoginTime() ? i.getLastLoginTime().getSeconds() : Long.MIN_VALUE / 2));
    var worstMonitored = monitored.stream().max(priority).orElseThrow();
    var bestUnmonitored = unmonitored.stream().min(priority).orElseThrow();
    assertThat(priority.compare(worstMonitored, bestUnmonitored)).isLessThanOrEqualTo(0);

    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(100_000))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
    SyncRun raised = sync(tenant, SyncMode.SYNC_MODE_INCREMENTAL);
    assertThat(raised.getIdentifiersOverCap()).isZero();
    assertThat(raised.getIdentifiersCreated()).isPositive();
    assertThat(identities(tenant, UserStatus.USER_STATUS_UNSPECIFIED, "").getIdentitiesList().stream()
        .filter(i -> i.getStatus() != UserStatus.USER_STATUS_DEPROVISIONED).allMatch(i -> i.getMonitored())).isTrue();
  }

  // ---- acceptance 6 ---------------------------------------------------------------------------

  @Test
  void watch_streams_progress_and_ends_with_the_final_state() {
    OktaSimulator sim = org(3000);
    String tenant = tenant(100_000);
    connect(tenant, sim, service);
    sim.faults().latency(Duration.ofMillis(25));
    try {
      SyncRun started = service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
          .setMode(SyncMode.SYNC_MODE_FULL).build()).getSyncRun();
      Iterator<WatchSyncRunResponse> stream = IdentitySyncServiceGrpc.newBlockingStub(service.channel)
          .withDeadlineAfter(60, TimeUnit.SECONDS)
          .watchSyncRun(WatchSyncRunRequest.newBuilder().setTenantId(tenant).setSyncRunId(started.getSyncRunId())
              .build());
      List<SyncRun> seen = new ArrayList<>();
      stream.forEachRemaining(r -> seen.add(r.getSyncRun()));
      assertThat(seen.size()).isGreaterThan(2);
      assertThat(seen).extracting(SyncRun::getUsersSeen).isSorted();
      assertThat(seen.get(seen.size() - 1).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(seen.get(seen.size() - 1).getUsersSeen()).isEqualTo(3000);
    } finally {
      sim.faults().clear();
    }
  }

  @Test
  void a_watcher_going_away_cancels_only_the_watch() throws Exception {
    OktaSimulator sim = org(3000);
    String tenant = tenant(100_000);
    connect(tenant, sim, service);
    sim.faults().latency(Duration.ofMillis(25));
    try {
      SyncRun started = service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
          .setMode(SyncMode.SYNC_MODE_FULL).build()).getSyncRun();
      Context.CancellableContext watch = Context.current().withCancellation();
      CompletableFuture<Integer> received = new CompletableFuture<>();
      watch.run(() -> {
        Iterator<WatchSyncRunResponse> stream = IdentitySyncServiceGrpc.newBlockingStub(service.channel)
            .watchSyncRun(WatchSyncRunRequest.newBuilder().setTenantId(tenant).setSyncRunId(started.getSyncRunId())
                .build());
        stream.next();
        received.complete(1);
      });
      assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      watch.cancel(null);
      SyncRun done = awaitEnd(tenant, started.getSyncRunId(), service);
      assertThat(done.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(done.getUsersSeen()).isEqualTo(3000);
    } finally {
      sim.faults().clear();
    }
  }

  // ---- the rest of the contract ---------------------------------------------------------------

  @Test
  void cancel_stops_a_running_sync_and_errors_are_named() {
    OktaSimulator sim = org(3000);
    String tenant = tenant(100_000);
    connect(tenant, sim, service);
    sim.faults().latency(Duration.ofMillis(40));
    try {
      SyncRun started = service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
          .setMode(SyncMode.SYNC_MODE_FULL).build()).getSyncRun();
      service.sync().cancelSyncRun(CancelSyncRunRequest.newBuilder().setTenantId(tenant)
          .setSyncRunId(started.getSyncRunId()).build());
      SyncRun cancelled = awaitEnd(tenant, started.getSyncRunId(), service);
      assertThat(cancelled.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_CANCELLED);
      var again = catchThrowableOfType(StatusRuntimeException.class, () -> service.sync().cancelSyncRun(
          CancelSyncRunRequest.newBuilder().setTenantId(tenant).setSyncRunId(started.getSyncRunId()).build()));
      assertThat(again.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    } finally {
      sim.faults().clear();
    }
    var foreign = catchThrowableOfType(StatusRuntimeException.class, () -> service.sync().getSyncRun(
        GetSyncRunRequest.newBuilder().setTenantId("someone-else").setSyncRunId(latest(tenant, service).getSyncRunId())
            .build()));
    assertThat(foreign.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    var malformed = catchThrowableOfType(StatusRuntimeException.class, () -> service.sync().getSyncRun(
        GetSyncRunRequest.newBuilder().setTenantId(tenant).setSyncRunId("not-an-id").build()));
    assertThat(malformed.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(malformed.getStatus().getDescription()).startsWith("sync_run_id:");
    var noIntegration = catchThrowableOfType(StatusRuntimeException.class, () -> service.sync().startSync(
        StartSyncRequest.newBuilder().setTenantId("never-configured").build()));
    assertThat(noIntegration.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void start_sync_is_idempotent_by_request_id_and_defaults_to_incremental_after_a_full_sync() {
    OktaSimulator sim = org(500);
    String tenant = tenant(100_000);
    connect(tenant, sim, service);
    StartSyncRequest ask = StartSyncRequest.newBuilder().setTenantId(tenant).setRequestId("ask-" + tenant).build();
    SyncRun first = service.sync().startSync(ask).getSyncRun();
    assertThat(first.getMode()).isEqualTo(SyncMode.SYNC_MODE_INCREMENTAL);
    awaitEnd(tenant, first.getSyncRunId(), service);
    SyncRun retried = service.sync().startSync(ask).getSyncRun();
    assertThat(retried.getSyncRunId()).isEqualTo(first.getSyncRunId());
    assertThat(TestServers.insecureHosts()).isNotEmpty();
  }
}
