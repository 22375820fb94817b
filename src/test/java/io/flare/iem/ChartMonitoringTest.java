package io.flare.iem;

import static io.flare.iem.ChartRender.at;
import static io.flare.iem.ChartRender.cast;
import static io.flare.iem.ChartRender.listAt;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The chart's on-call dashboard (a ConfigMap for Grafana's sidecar) and alerts (a PrometheusRule),
 * rendered by real Helm: both off by default, and every metric their PromQL names is in a real scrape
 * of a service that has synced, checked and mitigated.
 */
class ChartMonitoringTest {

  static final Map<String, Object> MONITORING = Map.of("grpcTls.existingSecret", "iem-okta-grpc-tls",
      "grafanaDashboard.enabled", "true", "prometheusRule.enabled", "true");
  static final List<String> ALERTS = List.of("IemOktaChecksStalled", "IemOktaRefusingOurAddress",
      "IemOktaSyncFailingRepeatedly", "IemOktaOldestQueuedCheckOverAnHour", "IemOktaMitigationFailed");

  @Test
  void the_dashboard_and_the_alerts_are_off_by_default() {
    ChartRender.Manifests manifests = ChartRender.renderMinimal();
    assertThat(manifests.kinds()).doesNotContain("PrometheusRule").containsOnlyOnce("ConfigMap");
  }

  @Test
  void the_dashboard_is_a_config_map_for_grafanas_sidecar_answering_the_on_call_questions() {
    Map<String, Object> dashboard = dashboardConfigMap(ChartRender.render(null, MONITORING));
    assertThat(at(dashboard, "metadata.labels.grafana_dashboard")).isEqualTo("1");
    Map<String, Object> data = cast(dashboard.get("data"));
    JsonObject json = new JsonObject((String) data.get("iem-okta.json"));
    List<String> titles = json.getJsonArray("panels").stream().map(p -> ((JsonObject) p).getString("title")).toList();
    assertThat(titles).contains("Orgs with stalled checks", "Orgs refusing our address (Okta 403)",
        "Authn bucket used", "Okta 429 and 403", "Age of the oldest waiting check",
        "Lockout budgets and daily caps spent", "Sync duration", "Sync runs ended, by state",
        "Mitigations failed (24 h)");
  }

  @Test
  void the_rules_alert_on_stalls_refusals_failing_syncs_old_checks_and_failed_mitigations() {
    Map<String, Object> rule = ChartRender.render(null, MONITORING).one("PrometheusRule");
    assertThat(at(rule, "apiVersion")).isEqualTo("monitoring.coreos.com/v1");
    assertThat(at(rule, "metadata.namespace")).isEqualTo("monitoring"); // where the Prometheus runs, as the ServiceMonitor
    List<Map<String, Object>> rules = rules(rule);
    assertThat(rules).extracting(r -> r.get("alert")).containsExactlyElementsOf(ALERTS);
    assertThat(rules).allSatisfy(r -> {
      assertThat((String) r.get("expr")).contains("namespace=\"iem\"");
      assertThat(at(r, "labels.severity")).isIn("critical", "warning");
      assertThat((String) at(r, "annotations.description")).contains("README");
    });
    assertThat(rules.get(0).get("expr")).isEqualTo("max(iem_check_stalled_orgs{namespace=\"iem\"}) > 0");
    assertThat(at(rules.get(0), "annotations.summary")).asString().contains("{{ $value }}");
  }

  @Test
  void every_metric_the_dashboard_and_the_alerts_name_is_in_a_real_scrape() throws Exception {
    ChartRender.Manifests manifests = ChartRender.render(null, MONITORING);
    Map<String, Set<String>> named = new HashMap<>(); // metric -> where
    for (String expr : dashboardQueries(dashboardConfigMap(manifests))) {
      PromQl.metricNames(expr).forEach(n -> named.computeIfAbsent(n, k -> new TreeSet<>()).add("dashboard: " + expr));
    }
    for (Map<String, Object> r : rules(manifests.one("PrometheusRule"))) {
      PromQl.metricNames((String) r.get("expr")).forEach(n -> named.computeIfAbsent(n, k -> new TreeSet<>())
          .add("alert " + r.get("alert")));
    }
    assertThat(named).hasSizeGreaterThan(15);

    Set<String> scraped = scrapeAfterSyncCheckAndMitigation();
    assertThat(named.keySet()).allSatisfy(name -> assertThat(scraped).as("%s, named by %s", name, named.get(name))
        .contains(name));
  }

  static Map<String, Object> dashboardConfigMap(ChartRender.Manifests manifests) {
    List<Map<String, Object>> maps = manifests.documents().stream().filter(d -> "ConfigMap".equals(d.get("kind")))
        .filter(d -> ((String) at(d, "metadata.name")).endsWith("-dashboard")).toList();
    assertThat(maps).hasSize(1);
    return maps.get(0);
  }

  /** Every panel target and every templating query of the dashboard. */
  static List<String> dashboardQueries(Map<String, Object> configMap) {
    Map<String, Object> data = cast(configMap.get("data"));
    JsonObject json = new JsonObject((String) data.get("iem-okta.json"));
    List<String> queries = new ArrayList<>();
    json.getJsonArray("panels").forEach(p -> {
      var targets = ((JsonObject) p).getJsonArray("targets");
      if (targets != null) {
        targets.forEach(t -> queries.add(((JsonObject) t).getString("expr")));
      }
    });
    json.getJsonObject("templating").getJsonArray("list").forEach(v -> {
      Object query = ((JsonObject) v).getValue("query");
      if (query instanceof JsonObject q) {
        queries.add(q.getString("query"));
      }
    });
    assertThat(queries).doesNotContainNull().hasSizeGreaterThan(20);
    return queries;
  }

  static List<Map<String, Object>> rules(Map<String, Object> prometheusRule) {
    List<Map<String, Object>> groups = listAt(prometheusRule, "spec.groups");
    List<Map<String, Object>> rules = new ArrayList<>();
    groups.forEach(g -> rules.addAll(cast(g.get("rules"))));
    return rules;
  }

  /**
   * The series names of {@code /metrics} once the service has synced an org, checked leaked passwords
   * (one valid, so AUTOMATED mode mitigates) and waited for the org's authn share.
   */
  static Set<String> scrapeAfterSyncCheckAndMitigation() throws Exception {
    Vertx vertx = Vertx.vertx();
    String tenant = "chart-" + UUID.randomUUID().toString().substring(0, 8);
    OktaSimulator sim = OktaSims.start(vertx, new OktaSimulator.Options().users(40).seed(7).mixedStatuses(false)
        .rateLimitWindow(Duration.ofSeconds(5)));
    try (RunningService service = RunningService.start(TestServers.config(TestServers.newDatabase()))) {
      service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
          .setSettings(TenantSettings.newBuilder().setMitigationEnabled(true))
          .setUpdateMask(FieldMask.newBuilder().addPaths("mitigation_enabled")).build());
      Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
          .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Chart org")
              .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId())
              .setMitigationMode(MitigationMode.MITIGATION_MODE_AUTOMATED))
          .build()).getIntegration();
      OktaSims.trust(sim.app(), service, created);
      Await.until(() -> service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build())
          .getSyncRunsList().stream().anyMatch(r -> r.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED),
          Duration.ofSeconds(60), "the initial sync");

      SimUser alice = sim.user(0).orElseThrow();
      CredentialCheck valid = check(service, tenant, alice.login(), sim.password(alice.id()));
      assertThat(valid.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
      assertThat(valid.getMitigation().getState()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
      // our 20 % of an authn limit of 10 per 5-second window: 2 calls, then checks wait; the worker takes the
      // waiting ones up together once the window resets, and those past the share wait in the org's rate limiter
      sim.limit(SimBucket.AUTHN, 10);
      int pending = 0;
      for (int i = 1; i < 30 && pending < 4; i++) {
        CredentialCheck check = check(service, tenant, sim.user(i).orElseThrow().login(), "wrong-leaked-" + i);
        pending += check.getOutcome() == CheckOutcome.CHECK_OUTCOME_PENDING ? 1 : 0;
      }
      assertThat(pending).isEqualTo(4);

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create(service.httpBase() + "/metrics")).build();
      Set<String> names = new TreeSet<>();
      Await.until(() -> {
        names.clear();
        names.addAll(seriesNames(http, request));
        return names.contains("iem_okta_rate_limit_waits_seconds_count"); // the PENDING check was sent
      }, Duration.ofSeconds(60), "a scrape with the wait for the org's authn share");
      return names;
    } finally {
      Await.result(sim.stop());
      Await.result(vertx.close());
    }
  }

  static Set<String> seriesNames(HttpClient http, HttpRequest request) {
    try {
      Set<String> names = new TreeSet<>();
      for (String line : http.send(request, HttpResponse.BodyHandlers.ofString()).body().split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          names.add(line.split("[{ ]", 2)[0]);
        }
      }
      return names;
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  static CredentialCheck check(RunningService service, String tenant, String username, String password) {
    String requestId = "req-" + UUID.randomUUID();
    return service.checks().checkCredential(CheckCredentialRequest.newBuilder().setTenantId(tenant)
        .setUsername(username).setPassword(password).setRequestId(requestId)
        .setLeak(Leak.newBuilder().setLeakId("leak-" + requestId).setSource("paste site").setSourceKind("combolist")
            .setLeakedTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond())))
        .build()).getCheck();
  }
}
