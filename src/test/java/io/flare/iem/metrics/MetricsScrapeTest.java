package io.flare.iem.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.flare.iem.config.AppConfig;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import io.flare.iem.v1.RejectMitigationRequest;
import io.flare.iem.v1.SkipReason;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} after a sync and a burst of checks of every outcome, through grpc-java against
 * the simulated org: every metric operators rely on is there with plausible values (gRPC calls,
 * Okta requests, rate-limit headroom and waits, sync runs, checks, authn attempts, throttles, the
 * queue, mitigations), and no username, password or tenant appears anywhere in the scrape.
 */
class MetricsScrapeTest {

  static final int USERS = 600;
  static final String TENANT = "metrics-" + UUID.randomUUID().toString().substring(0, 8);

  static Vertx vertx;
  static OktaSimulator sim;
  static AppConfig.Postgres pg;
  static RunningService service;
  static final List<String> secrets = new ArrayList<>(); // usernames and passwords the checks used
  static int checksMade;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(USERS).seed(31).mixedStatuses(false)
        .rateLimitWindow(Duration.ofSeconds(5)));
    pg = TestServers.newDatabase();
    service = RunningService.start(TestServers.config(pg));
  }

  @AfterAll
  static void stop() {
    service.close();
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  @Test
  void a_scrape_after_a_sync_and_a_check_burst_shows_every_metric_and_no_user_data() throws Exception {
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(TENANT)
        .setSettings(TenantSettings.newBuilder().setMitigationEnabled(true))
        .setUpdateMask(FieldMask.newBuilder().addPaths("mitigation_enabled")).build());
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(TENANT)
        .setIntegration(Integration.newBuilder().setDisplayName("Metrics org").setOktaDomain(sim.baseUrl())
            .setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(1)
            .setMitigationMode(MitigationMode.MITIGATION_MODE_MANUAL))
        .build()).getIntegration();
    OktaSims.trust(sim.app(), service, created);
    SyncRun run = awaitInitialSync();
    assertThat(run.getUsersSeen()).isEqualTo(USERS);
    try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/"
        + pg.database(), pg.user(), pg.password())) {
      db.createStatement().execute("UPDATE integrations SET okta_lockout_threshold = 10 WHERE tenant_id = '"
          + TENANT + "'"); // a lockout budget of 5 failures between sign-ins
      spendLockoutBudget(db, user(8), 5);
    }

    CredentialCheck valid = check(user(0), password(0));
    CredentialCheck rejected = check(user(1), password(1));
    sim.setStatus(user(2).id(), "PASSWORD_EXPIRED"); // a valid password, but Okta cannot suspend the user
    CredentialCheck partial = check(user(2), password(2));
    CredentialCheck invalid = check(user(3), "wrong-leaked-3");
    CredentialCheck alreadyTested = check(user(3), "wrong-leaked-3");
    CredentialCheck capped = check(user(3), "another-leaked-3");
    sim.setPasswordChanged(user(5).id(), Instant.now().minus(Duration.ofHours(1)));
    CredentialCheck stale = check(user(5), password(5), Instant.now().minus(Duration.ofDays(1)));
    sim.setStatus(user(6).id(), "SUSPENDED");
    CredentialCheck inactive = check(user(6), password(6));
    sim.lock(user(7).id());
    CredentialCheck locked = check(user(7), "wrong-leaked-7");
    CredentialCheck budget = check(user(8), "wrong-leaked-8");
    CredentialCheck notFound = check("nobody-" + TENANT + "@elsewhere.example", "leaked-nobody");
    sim.faults().failRate(1.0, 503);
    CredentialCheck unverified;
    try {
      unverified = check(user(9), "wrong-leaked-9");
    } finally {
      sim.faults().clear();
    }
    // our 20 % of an authn limit of 10 per 5-second window: 2 calls, then checks queue as PENDING
    sim.limit(SimBucket.AUTHN, 10);
    CredentialCheck pending = null;
    for (int i = 10; i < 30 && (pending == null || pending.getOutcome() != CheckOutcome.CHECK_OUTCOME_PENDING); i++) {
      pending = check(user(i), "wrong-leaked-" + i);
    }

    assertThat(valid.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(invalid.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    assertThat(alreadyTested.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_ALREADY_TESTED);
    assertThat(capped.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
    assertThat(capped.getDetail()).contains("daily cap");
    assertThat(stale.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_STALE);
    assertThat(inactive.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_INACTIVE);
    assertThat(locked.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_LOCKED_OUT);
    assertThat(budget.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
    assertThat(budget.getDetail()).contains("lockout budget");
    assertThat(notFound.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
    assertThat(unverified.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
    assertThat(pending.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_PENDING);

    var checks = service.checks();
    assertThat(checks.approveMitigation(ApproveMitigationRequest.newBuilder().setTenantId(TENANT)
        .setMitigationId(valid.getMitigation().getMitigationId()).setActor("alice@flare.example").build())
        .getMitigation().getState()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(checks.rejectMitigation(RejectMitigationRequest.newBuilder().setTenantId(TENANT)
        .setMitigationId(rejected.getMitigation().getMitigationId()).setActor("bob@flare.example")
        .setReason("a test account").build()).getMitigation().getState())
        .isEqualTo(MitigationState.MITIGATION_STATE_REJECTED);
    assertThat(checks.approveMitigation(ApproveMitigationRequest.newBuilder().setTenantId(TENANT)
        .setMitigationId(partial.getMitigation().getMitigationId()).setActor("alice@flare.example").build())
        .getMitigation().getState()).isEqualTo(MitigationState.MITIGATION_STATE_PARTIALLY_APPLIED);
    StatusRuntimeException missing = org.assertj.core.api.Assertions.catchThrowableOfType(
        StatusRuntimeException.class, () -> checks.getCredentialCheck(GetCredentialCheckRequest.newBuilder()
            .setTenantId(TENANT).setCheckId(UUID.randomUUID().toString()).build()));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

    // the PENDING check is decided by a worker once the window resets; the queue is read every 15 s;
    // no authn call is in flight when the counts are compared
    String pendingId = pending.getCheckId();
    Scrape scrape = awaitScrape(s -> s.sum("iem_check_queue_depth", "outcome", "THROTTLED") >= 2
        && s.sum("iem_okta_rate_limit_waits_seconds_count", "bucket", "authn") >= 1
        && checks.getCredentialCheck(GetCredentialCheckRequest.newBuilder().setTenantId(TENANT)
            .setCheckId(pendingId).build()).getCheck().hasDecideTime()
        && s.sum("iem_check_authn_attempts_total") == sim.counters().authnCalls());

    // gRPC calls by method and status, with latency histograms
    String checkCredential = "flare.iem.v1.CredentialCheckService/CheckCredential";
    assertThat(scrape.sum("iem_grpc_server_calls_seconds_count", "method", checkCredential, "status", "OK"))
        .isGreaterThanOrEqualTo(checksMade);
    assertThat(scrape.sum("iem_grpc_server_calls_seconds_bucket", "method", checkCredential, "status", "OK",
        "le", "+Inf")).isEqualTo(scrape.sum("iem_grpc_server_calls_seconds_count", "method", checkCredential,
        "status", "OK"));
    assertThat(scrape.sum("iem_grpc_server_calls_seconds_bucket", "method", checkCredential, "status", "OK",
        "le", "10.0")).isPositive();
    assertThat(scrape.sum("iem_grpc_server_calls_seconds_sum", "method", checkCredential, "status", "OK"))
        .isPositive();
    assertThat(scrape.sum("iem_grpc_server_calls_seconds_count", "method",
        "flare.iem.v1.CredentialCheckService/GetCredentialCheck", "status", "NOT_FOUND")).isGreaterThanOrEqualTo(1);
    assertThat(scrape.sum("iem_grpc_server_calls_seconds_count", "method",
        "flare.iem.v1.IntegrationConfigService/CreateIntegration", "status", "OK")).isEqualTo(1);

    // Okta requests by bucket and status, headroom, rate-limit waits
    assertThat(scrape.sum("iem_okta_requests_seconds_count", "bucket", "users_list", "status", "200"))
        .isEqualTo(USERS / 200);
    assertThat(scrape.sum("iem_okta_requests_seconds_count", "bucket", "authn", "status", "200"))
        .isGreaterThanOrEqualTo(3);
    assertThat(scrape.sum("iem_okta_requests_seconds_count", "bucket", "authn", "status", "401"))
        .isGreaterThanOrEqualTo(2);
    assertThat(scrape.sum("iem_okta_requests_seconds_count", "bucket", "user_read", "status", "503"))
        .isGreaterThanOrEqualTo(1);
    assertThat(scrape.sum("iem_okta_requests_seconds_count", "bucket", "token", "status", "200"))
        .isGreaterThanOrEqualTo(1);
    double headroomCount = scrape.sum("iem_okta_rate_limit_headroom_count", "bucket", "authn");
    assertThat(headroomCount).isPositive();
    assertThat(scrape.sum("iem_okta_rate_limit_headroom_sum", "bucket", "authn") / headroomCount).isBetween(0.0, 1.0);
    assertThat(scrape.sum("iem_okta_rate_limit_waits_seconds_sum", "bucket", "authn")).isPositive();

    // sync runs, pages, users, duration
    assertThat(scrape.sum("iem_sync_runs_seconds_count", "mode", "FULL", "state", "SUCCEEDED")).isEqualTo(1);
    assertThat(scrape.sum("iem_sync_runs_seconds_sum", "mode", "FULL", "state", "SUCCEEDED")).isPositive();
    assertThat(scrape.sum("iem_sync_pages_total")).isEqualTo(USERS / 200);
    assertThat(scrape.sum("iem_sync_users_total")).isEqualTo(USERS);
    assertThat(scrape.has("iem_sync_active_runs")).isTrue();

    // checks by outcome and skip reason, authn attempts, throttles
    Map<String, Double> atLeast = new HashMap<>();
    atLeast.put("VALID", 3.0);
    atLeast.put("INVALID", 2.0); // the PENDING one too, once decided
    atLeast.put("NOT_FOUND", 1.0);
    atLeast.put("THROTTLED", 2.0);
    atLeast.put("PENDING", 1.0);
    atLeast.put("UNVERIFIED", 1.0);
    atLeast.put("LOCKED_OUT", 1.0);
    atLeast.forEach((outcome, min) -> assertThat(scrape.sum("iem_check_decisions_total", "outcome", outcome,
        "skip_reason", "none")).as(outcome).isGreaterThanOrEqualTo(min));
    for (String reason : List.of("STALE", "ALREADY_TESTED", "INACTIVE")) {
      assertThat(scrape.sum("iem_check_decisions_total", "outcome", "SKIPPED", "skip_reason", reason)).as(reason)
          .isEqualTo(1);
    }
    assertThat(scrape.sum("iem_check_authn_attempts_total", "result", "VALID")).isEqualTo(3);
    assertThat(scrape.sum("iem_check_authn_attempts_total", "result", "INVALID")).isGreaterThanOrEqualTo(2);
    assertThat(scrape.sum("iem_check_authn_attempts_total")).as("every authn call Okta received, once")
        .isEqualTo(sim.counters().authnCalls());
    assertThat(scrape.sum("iem_check_throttles_total", "reason", "daily_cap")).isGreaterThanOrEqualTo(1);
    assertThat(scrape.sum("iem_check_throttles_total", "reason", "lockout_budget")).isGreaterThanOrEqualTo(1);

    // the queue: depth and age of the oldest waiting check per waiting outcome
    for (String outcome : List.of("PENDING", "THROTTLED", "UNVERIFIED")) {
      assertThat(scrape.has("iem_check_queue_depth", "outcome", outcome)).as(outcome).isTrue();
      assertThat(scrape.has("iem_check_queue_oldest_age_seconds", "outcome", outcome)).as(outcome).isTrue();
    }
    assertThat(scrape.sum("iem_check_queue_oldest_age_seconds", "outcome", "THROTTLED")).isPositive()
        .isLessThan(600);

    // mitigations by state
    assertThat(scrape.sum("iem_mitigations_total", "state", "created")).isEqualTo(3);
    assertThat(scrape.sum("iem_mitigations_total", "state", "applied")).isEqualTo(1);
    assertThat(scrape.sum("iem_mitigations_total", "state", "partially_applied")).isEqualTo(1);
    assertThat(scrape.sum("iem_mitigations_total", "state", "failed")).isZero();
    assertThat(scrape.sum("iem_mitigations_total", "state", "rejected")).isEqualTo(1);

    // no user data: not one username or password the checks carried, nor the tenant
    String text = scrape.text.toLowerCase(Locale.ROOT);
    for (String secret : secrets) {
      assertThat(text).as("the scrape mentions a username or password").doesNotContain(secret.toLowerCase(Locale.ROOT));
    }
    assertThat(text).doesNotContain(TENANT);

    // the README's dashboard table names only series this scrape has, with the labels it lists
    readmeDashboardMetrics().forEach((name, labels) -> {
      List<Scrape.Series> found = scrape.series.stream()
          .filter(s -> s.name().equals(name) || s.name().matches(Pattern.quote(name) + "_(total|count|sum|bucket)"))
          .toList();
      assertThat(found).as("README names %s", name).isNotEmpty();
      for (String label : labels) {
        assertThat(found).as("README gives %s the label %s", name, label)
            .anyMatch(s -> s.labels().containsKey(label));
      }
    });
  }

  /** Each {@code iem_*} metric of the README's dashboard table, with the labels written after it. */
  private static Map<String, List<String>> readmeDashboardMetrics() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("### Dashboards");
    assertThat(start).as("the README's dashboard section").isNotNegative();
    String section = readme.substring(start, readme.indexOf("\n### ", start + 1));
    Map<String, List<String>> metrics = new HashMap<>();
    Matcher m = Pattern.compile("`(iem_[a-z_]+)(?:\\{([a-z_,]+)\\})?`").matcher(section);
    while (m.find()) {
      metrics.put(m.group(1), m.group(2) == null ? List.of() : List.of(m.group(2).split(",")));
    }
    assertThat(metrics).as("metrics named in the README's dashboard table").hasSizeGreaterThan(10);
    return metrics;
  }

  private static SimUser user(int index) {
    return sim.user(index).orElseThrow();
  }

  private static String password(int index) {
    return sim.password(user(index).id());
  }

  private static CredentialCheck check(SimUser user, String password) {
    return check(user.login(), password, Instant.now());
  }

  private static CredentialCheck check(SimUser user, String password, Instant leaked) {
    return check(user.login(), password, leaked);
  }

  private static CredentialCheck check(String username, String password) {
    return check(username, password, Instant.now());
  }

  private static CredentialCheck check(String username, String password, Instant leaked) {
    secrets.add(username);
    secrets.add(password);
    String requestId = "req-" + UUID.randomUUID();
    CredentialCheck check = service.checks().checkCredential(CheckCredentialRequest.newBuilder().setTenantId(TENANT)
        .setUsername(username).setPassword(password).setRequestId(requestId)
        .setLeak(Leak.newBuilder().setLeakId("leak-" + requestId).setSource("paste site").setSourceKind("combolist")
            .setLeakedTime(Timestamp.newBuilder().setSeconds(leaked.getEpochSecond())))
        .build()).getCheck();
    checksMade++;
    return check;
  }

  /** Failed authn attempts of earlier days, as many as the lockout budget allows; the user never signed in. */
  private static void spendLockoutBudget(Connection db, SimUser user, int failures) throws Exception {
    sim.setLastLogin(user.id(), null);
    try (PreparedStatement s = db.prepareStatement("""
        INSERT INTO authn_attempts (tenant_id, identity_id, check_id, local_date, attempt_time, result)
        SELECT tenant_id, identity_id, gen_random_uuid(), ?, now() - interval '1 day', 'INVALID'
        FROM identities, generate_series(1, ?) WHERE tenant_id = ? AND okta_user_id = ?
        """)) {
      s.setObject(1, LocalDate.now(ZoneOffset.UTC).minusDays(1));
      s.setInt(2, failures);
      s.setString(3, TENANT);
      s.setString(4, user.id());
      assertThat(s.executeUpdate()).isEqualTo(failures);
    }
  }

  private static SyncRun awaitInitialSync() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      List<SyncRun> runs = service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(TENANT).build())
          .getSyncRunsList();
      if (!runs.isEmpty()) {
        SyncRun run = service.sync().getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(TENANT)
            .setSyncRunId(runs.get(0).getSyncRunId()).build()).getSyncRun();
        if (run.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED) {
          return run;
        }
        assertThat(run.getState()).isIn(SyncRunState.SYNC_RUN_STATE_QUEUED, SyncRunState.SYNC_RUN_STATE_RUNNING);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the initial sync did not succeed");
  }

  /** Scrapes until {@code ready} holds (counters settle and the queue gauges refresh), for at most a minute. */
  private static Scrape awaitScrape(Predicate<Scrape> ready) throws Exception {
    // HTTP/1.1 as Prometheus scrapes; the wait is long under a loaded full suite
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(service.httpBase() + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Scrape scrape;
    do {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(type ->
          assertThat(type).startsWith("text/plain"));
      scrape = new Scrape(response.body());
      if (ready.test(scrape)) {
        return scrape;
      }
      Thread.sleep(250);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the scrape never showed the queue and the waits; last:\n" + scrape.text);
  }

  /** A Prometheus text exposition, read as series name, labels and value. */
  static final class Scrape {
    final String text;
    final List<Series> series = new ArrayList<>();

    record Series(String name, Map<String, String> labels, double value) {}

    Scrape(String text) {
      this.text = text;
      for (String line : text.split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
        Map<String, String> labels = new HashMap<>();
        if (brace >= 0 && brace < space) {
          String inside = line.substring(brace + 1, line.lastIndexOf('}'));
          for (String pair : inside.split(",(?=[a-zA-Z_]+=\")")) {
            int eq = pair.indexOf('=');
            labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
          }
        }
        series.add(new Series(name, labels, Double.parseDouble(line.substring(space + 1))));
      }
    }

    /** The sum over the series named {@code name} whose labels include these {@code name, value} pairs. */
    double sum(String name, String... labels) {
      return matching(name, labels).mapToDouble(Series::value).sum();
    }

    boolean has(String name, String... labels) {
      return matching(name, labels).findAny().isPresent();
    }

    private java.util.stream.Stream<Series> matching(String name, String... labels) {
      return series.stream().filter(s -> s.name().equals(name)).filter(s -> {
        for (int i = 0; i < labels.length; i += 2) {
          if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
            return false;
          }
        }
        return true;
      });
    }
  }
}
