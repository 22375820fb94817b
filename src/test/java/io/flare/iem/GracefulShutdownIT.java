package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.flare.iem.config.AppConfig;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.ServiceProcess;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.WatchSyncRunRequest;
import io.flare.iem.v1.WatchSyncRunResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM, as Kubernetes sends it, to the packaged jar in production mode while a sync runs and
 * credential checks arrive, some of them waiting in the queue (THROTTLED by the daily cap, PENDING
 * behind the org's authn share, and held by the worker waiting for its turn in Okta's rate
 * limit). The process reports not ready, exits within the grace period, and another instance on
 * the same Postgres and Redis resumes the sync to exact counts and decides every check that was
 * answered before: none lost, none twice, and no attempt counted against a user's daily cap or
 * lockout budget that Okta never saw.
 */
class GracefulShutdownIT {

  static final int USERS = 8000;
  static final int GRACE_SECONDS = 5;
  static final String TENANT = "sigterm";

  final Map<String, String> checkIds = new ConcurrentHashMap<>(); // request id -> check id, for answered checks
  final Map<String, String> loginOf = new ConcurrentHashMap<>(); // request id -> login it names
  final Set<String> passwords = ConcurrentHashMap.newKeySet();
  final AtomicInteger requests = new AtomicInteger();
  OktaSimulator sim;

  @Test
  void sigterm_during_a_sync_and_a_check_burst_loses_nothing_and_exits_within_the_grace_period() throws Exception {
    Vertx vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(USERS).seed(23)
        .mixedStatuses(false));
    AppConfig.Postgres pg = TestServers.newDatabase();
    Map<String, String> env = new HashMap<>();
    env.put("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1");
    env.put("IEM_SYNC_BATCH_USERS", "400");
    env.put("IEM_SHUTDOWN_GRACE_SECONDS", Integer.toString(GRACE_SECONDS));
    String runId;
    String firstLog;
    try (ServiceProcess first = ServiceProcess.start(pg, env).awaitServing()) {
      var integrations = IntegrationConfigServiceGrpc.newBlockingStub(first.adminChannel)
          .withDeadlineAfter(30, TimeUnit.SECONDS);
      OktaSims.trust(sim.app(), "http://127.0.0.1:" + first.httpPort, integrations.createIntegration(
          CreateIntegrationRequest.newBuilder().setTenantId(TENANT)
          .setIntegration(Integration.newBuilder().setDisplayName("SIGTERM org").setOktaDomain(sim.baseUrl())
              .setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(1)).build()).getIntegration());
      var sync = IdentitySyncServiceGrpc.newBlockingStub(first.adminChannel).withDeadlineAfter(30, TimeUnit.SECONDS);
      String initial = sync.listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(TENANT).build()).getSyncRuns(0)
          .getSyncRunId();
      assertThat(awaitEnd(sync, initial).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);

      // Okta answers slowly, and our 20 % share of the org's authn limit is 2 calls a minute
      sim.limit(SimBucket.AUTHN, 10);
      sim.faults().latency(Duration.ofMillis(150));

      // a first burst: two users tried at once, the rest PENDING behind the authn share; a second
      // leak for each user is THROTTLED by the daily cap of 1 (or waits behind its first check)
      burst(first.adminChannel, 0, 12, "first");
      burst(first.adminChannel, 0, 12, "second");
      assertThat(outcomes(first.adminChannel)).contains(CheckOutcome.CHECK_OUTCOME_THROTTLED,
          CheckOutcome.CHECK_OUTCOME_PENDING);
      try (Connection db = connect(pg)) {
        awaitTrue("the worker holds checks waiting for Okta's authn limit", () ->
            count(db, "SELECT count(*) FROM authn_attempts WHERE result = 'RESERVED'") > 0);
      }

      runId = sync.startSync(StartSyncRequest.newBuilder().setTenantId(TENANT).setMode(SyncMode.SYNC_MODE_FULL)
          .setRequestId("second-full").build()).getSyncRun().getSyncRunId();
      waitForProgress(sync, runId, 1200);
      // someone watches the run: a stream that outlives this replica's part of the run, so the
      // graceful close of the gRPC port waits the whole grace period for it
      CompletableFuture<Status> watch = watch(first.adminChannel, runId);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2)).build();
      assertThat(readyz(http, first.httpPort)).isEqualTo(200);
      // the production registry (ours and Vert.x's own) names no user, password, tenant or Okta org
      String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.httpPort + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(scrape).contains("iem_check_decisions_total").contains("iem_sync_users_total").contains("vertx_");
      for (String secret : concat(loginOf.values(), passwords, List.of(TENANT, "127.0.0.1:" + sim.port()))) {
        assertThat(scrape).as("the scrape names a user, password, tenant or org").doesNotContainIgnoringCase(secret);
      }

      // checks keep arriving while the process is told to stop: each is answered, or refused with
      // UNAVAILABLE once the port has closed (the sender then stops); any other status fails the test
      AtomicBoolean sending = new AtomicBoolean(true);
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger answered = new AtomicInteger();
      List<Status.Code> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
      ExecutorService background = Executors.newFixedThreadPool(2);
      List<Future<?>> senders = new ArrayList<>();
      AtomicInteger next = new AtomicInteger(12);
      for (int t = 0; t < 2; t++) {
        senders.add(background.submit(() -> {
          while (sending.get()) {
            int i = next.getAndIncrement();
            sent.incrementAndGet();
            try {
              check(first.adminChannel, i, "during");
              answered.incrementAndGet();
            } catch (StatusRuntimeException refused) {
              refusals.add(refused.getStatus().getCode());
              return;
            }
          }
        }));
      }
      awaitTrue("checks answered while they keep arriving", () -> answered.get() >= 2);
      Instant sigterm = Instant.now();
      first.terminate();
      List<Integer> readyz = pollReadyzUntilClosed(http, first.httpPort);
      boolean exited = first.waitForExit(Duration.ofSeconds(GRACE_SECONDS + 30));
      Duration took = Duration.between(sigterm, Instant.now());
      sending.set(false);
      for (Future<?> sender : senders) {
        sender.get(30, TimeUnit.SECONDS);
      }
      background.shutdown();

      assertThat(exited).as("exited after SIGTERM; log:%n%s", first.log()).isTrue();
      assertThat(took).as("exit within the grace period of %d s (plus 3 s for the JVM); log:%n%s", GRACE_SECONDS,
          first.log()).isLessThan(Duration.ofSeconds(GRACE_SECONDS + 3));
      assertThat(first.exitValue()).as("exit code (143 = after SIGTERM)").isIn(0, 143);
      assertThat(readyz).as("/readyz answers 503 while draining, before the HTTP port closes").contains(503);
      assertThat(readyz.subList(readyz.indexOf(503), readyz.size())).as("never ready again").containsOnly(503);
      firstLog = first.log();
      assertThat(firstLog).contains("iem-okta stopping").contains("iem-okta stopped");
      assertThat(watch.get(10, TimeUnit.SECONDS).getCode()).as("the watch was cut, not ended: the run goes on")
          .isNotEqualTo(Status.Code.OK);
      assertThat(refusals).as("calls refused while stopping").containsOnly(Status.Code.UNAVAILABLE);
      assertThat(answered.get() + refusals.size()).as("calls sent while stopping: each answered or refused")
          .isEqualTo(sent.get());
      assertThat(checkIds.size()).as("checks answered: the two bursts and those sent while stopping")
          .isEqualTo(24 + answered.get());
    }

    try (Connection db = connect(pg)) {
      // what the stopped process left behind, straight from the tables
      try (PreparedStatement s = db.prepareStatement(
          "SELECT state, users_seen, lease_expire_time <= now() AS released FROM sync_runs WHERE sync_run_id = ?")) {
        s.setObject(1, UUID.fromString(runId));
        ResultSet rows = s.executeQuery();
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString("state")).isEqualTo("RUNNING");
        assertThat(rows.getLong("users_seen")).isGreaterThanOrEqualTo(1200).isLessThan(USERS);
        assertThat(rows.getBoolean("released")).as("the sync run's lease is given back").isTrue();
      }
      assertThat(count(db, "SELECT count(*) FROM credential_checks WHERE lease_owner IS NOT NULL"
          + " AND lease_expire_time > now()")).as("checks still held by the stopped replica: %s; its log:%n%s",
          rows(db, "SELECT c.check_id, c.lease_owner, c.outcome, c.detail, c.attempts_made, a.result"
              + " FROM credential_checks c LEFT JOIN authn_attempts a ON a.check_id = c.check_id"
              + " WHERE c.lease_owner IS NOT NULL AND c.lease_expire_time > now()"), firstLog).isZero();
      assertThat(count(db, "SELECT count(*) FROM authn_attempts WHERE result <> 'RELEASED'"))
          .as("attempts counted against caps and budgets = authn calls Okta received")
          .isEqualTo(sim.counters().authnCalls());
    }

    // another instance on the same Postgres and Redis, Okta no longer rate limiting
    sim.limit(SimBucket.AUTHN, 100_000);
    try (ServiceProcess second = ServiceProcess.start(pg, env).awaitServing();
        Connection db = connect(pg)) {
      var sync = IdentitySyncServiceGrpc.newBlockingStub(second.adminChannel).withDeadlineAfter(30, TimeUnit.SECONDS);
      SyncRun done = awaitEnd(sync, runId);
      assertThat(done.getState()).as(done.getErrorMessage()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(done.getUsersSeen()).as("resumed from its checkpoint: no page lost or listed twice").isEqualTo(USERS);
      assertThat(done.getPagesFetched()).isEqualTo(USERS / 200);
      assertThat(done.getIdentitiesRemoved()).isZero();
      assertThat(sync.listIdentities(ListIdentitiesRequest.newBuilder().setTenantId(TENANT).setPageSize(1).build())
          .getTotalSize()).isEqualTo(USERS);

      // every answered check is still there, once, and is decided or waits for a reason that holds
      var checks = CredentialCheckServiceGrpc.newBlockingStub(second.adminChannel);
      awaitTrue("every answered check decided, or THROTTLED by the cap until midnight", () -> {
        for (Map.Entry<String, String> e : checkIds.entrySet()) {
          CredentialCheck c = checks.withDeadlineAfter(10, TimeUnit.SECONDS).getCredentialCheck(
              GetCredentialCheckRequest.newBuilder().setTenantId(TENANT).setCheckId(e.getValue()).build()).getCheck();
          assertThat(c.getCheckId()).isEqualTo(e.getValue());
          if (!c.hasDecideTime() && c.getOutcome() != CheckOutcome.CHECK_OUTCOME_THROTTLED) {
            return false;
          }
        }
        return true;
      });
      assertThat(count(db, "SELECT count(*) FROM (SELECT request_id FROM credential_checks"
          + " WHERE request_id IS NOT NULL GROUP BY request_id HAVING count(*) > 1) twice")).isZero();
      Set<String> logins = new LinkedHashSet<>(loginOf.values());
      for (String login : logins) {
        assertThat(sim.counters().authnCalls(login)).as("authn calls for %s (daily cap 1)", login).isLessThanOrEqualTo(1);
      }
      assertThat(count(db, "SELECT count(*) FROM authn_attempts WHERE result = 'RESERVED'")).isZero();
      assertThat(count(db, "SELECT count(*) FROM authn_attempts WHERE result <> 'RELEASED'"))
          .isEqualTo(sim.counters().authnCalls())
          .as("attempts the checks report").isEqualTo(count(db, "SELECT sum(attempts_made) FROM credential_checks"));
    } finally {
      Await.result(sim.stop());
      Await.result(vertx.close());
    }
  }

  /** Checks users {@code from} to {@code to - 1} at once, each with a wrong password of this {@code round}. */
  private void burst(ManagedChannel channel, int from, int to, String round) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> calls = new ArrayList<>();
      for (int i = from; i < to; i++) {
        int user = i;
        calls.add(pool.submit(() -> check(channel, user, round)));
      }
      for (Future<?> call : calls) {
        call.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdown();
    }
  }

  private CredentialCheck check(ManagedChannel channel, int user, String round) {
    SimUser u = userAt(user);
    String requestId = round + "-" + requests.incrementAndGet();
    String password = "wrong-" + round + "-" + user;
    passwords.add(password);
    Instant now = Instant.now();
    CredentialCheck c = CredentialCheckServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .checkCredential(CheckCredentialRequest.newBuilder().setTenantId(TENANT).setUsername(u.login())
            .setPassword(password).setRequestId(requestId)
            .setLeak(Leak.newBuilder().setLeakId("leak-" + requestId).setSource("paste site").setSourceKind("combolist")
                .setLeakedTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond())))
            .build())
        .getCheck();
    checkIds.put(requestId, c.getCheckId());
    loginOf.put(requestId, u.login());
    return c;
  }

  private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b, List<String> c) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    all.addAll(c);
    return all;
  }

  private SimUser userAt(int index) {
    return sim.user(index).orElseThrow();
  }

  private Set<CheckOutcome> outcomes(ManagedChannel channel) {
    var stub = CredentialCheckServiceGrpc.newBlockingStub(channel);
    Set<CheckOutcome> out = new LinkedHashSet<>();
    for (String id : checkIds.values()) {
      out.add(stub.withDeadlineAfter(10, TimeUnit.SECONDS).getCredentialCheck(GetCredentialCheckRequest.newBuilder()
          .setTenantId(TENANT).setCheckId(id).build()).getCheck().getOutcome());
    }
    return out;
  }

  /** Watches the run until the stream ends; yields how it ended. */
  private static CompletableFuture<Status> watch(ManagedChannel channel, String runId) {
    CompletableFuture<Status> ended = new CompletableFuture<>();
    IdentitySyncServiceGrpc.newStub(channel).watchSyncRun(WatchSyncRunRequest.newBuilder().setTenantId(TENANT)
        .setSyncRunId(runId).build(), new StreamObserver<>() {
          @Override
          public void onNext(WatchSyncRunResponse update) {}

          @Override
          public void onError(Throwable error) {
            ended.complete(Status.fromThrowable(error));
          }

          @Override
          public void onCompleted() {
            ended.complete(Status.OK);
          }
        });
    return ended;
  }

  private static int readyz(HttpClient http, int httpPort) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** {@code /readyz} as fast as it answers, from SIGTERM until the HTTP port closes: each change of status. */
  private static List<Integer> pollReadyzUntilClosed(HttpClient http, int httpPort) throws Exception {
    List<Integer> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS + 30);
    while (System.nanoTime() < deadline) {
      try {
        int status = readyz(http, httpPort);
        if (seen.isEmpty() || seen.get(seen.size() - 1) != status) {
          seen.add(status);
        }
      } catch (java.io.IOException closed) {
        return seen;
      }
      Thread.sleep(5);
    }
    return seen;
  }

  static long waitForProgress(IdentitySyncServiceGrpc.IdentitySyncServiceBlockingStub sync, String runId,
      long users) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      SyncRun run = sync.getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(TENANT).setSyncRunId(runId).build())
          .getSyncRun();
      assertThat(run.getState()).isIn(SyncRunState.SYNC_RUN_STATE_QUEUED, SyncRunState.SYNC_RUN_STATE_RUNNING);
      if (run.getUsersSeen() >= users) {
        return run.getUsersSeen();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no sync progress");
  }

  static SyncRun awaitEnd(IdentitySyncServiceGrpc.IdentitySyncServiceBlockingStub sync, String runId)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      SyncRun run = sync.getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(TENANT).setSyncRunId(runId).build())
          .getSyncRun();
      if (run.getState() != SyncRunState.SYNC_RUN_STATE_RUNNING && run.getState() != SyncRunState.SYNC_RUN_STATE_QUEUED) {
        return run;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("sync run " + runId + " did not end");
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  static void awaitTrue(String what, Condition condition) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    while (!condition.holds()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  static Connection connect(AppConfig.Postgres pg) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + pg.database(), pg.user(),
        pg.password());
  }

  /** The rows of a query, one line each, for failure messages. */
  static String rows(Connection db, String sql) throws SQLException {
    StringBuilder out = new StringBuilder();
    try (PreparedStatement s = db.prepareStatement(sql); ResultSet rows = s.executeQuery()) {
      int columns = rows.getMetaData().getColumnCount();
      while (rows.next()) {
        out.append(System.lineSeparator());
        for (int i = 1; i <= columns; i++) {
          out.append(i == 1 ? "" : " | ").append(rows.getString(i));
        }
      }
    }
    return out.toString();
  }

  static long count(Connection db, String sql) throws SQLException {
    try (PreparedStatement s = db.prepareStatement(sql); ResultSet rows = s.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
