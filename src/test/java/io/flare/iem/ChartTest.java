package io.flare.iem;

import static io.flare.iem.ChartRender.CHART;
import static io.flare.iem.ChartRender.at;
import static io.flare.iem.ChartRender.byName;
import static io.flare.iem.ChartRender.container;
import static io.flare.iem.ChartRender.listAt;
import static io.flare.iem.ChartRender.mapAt;
import static io.flare.iem.ChartRender.renderMinimal;
import static io.flare.iem.ChartRender.renderProduction;
import static io.flare.iem.ChartRender.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.flare.iem.ChartRender.Manifests;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, linted and rendered by real Helm (helm-java) with its default values plus the one
 * they lack (the TLS Secret) and with production-like ones
 * ({@code src/test/resources/charts/iem-okta-production.yaml}); assertions read the parsed manifests.
 * What the chart refuses, and its TLS, metrics and image pinning, are in {@link ChartFailsClosedTest}.
 */
class ChartTest {

  /** Lint runs on the default values; Helm's lint only logs a template's fail, so the refusals do not fail it. */
  @Test
  void lint_strict_passes() {
    LintResult lint = new Helm(CHART).lint().strict().call();

    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
  }

  @Test
  void minimal_values_render_a_hardened_deployment() {
    Manifests m = renderMinimal();

    Map<String, Object> deployment = m.one("Deployment");
    assertThat(at(deployment, "spec.replicas")).isEqualTo(2);
    Map<String, Object> pod = mapAt(deployment, "spec.template.spec");
    Map<String, Object> container = container(deployment);
    assertThat(container.get("ports")).isEqualTo(List.of(
        Map.of("name", "grpc", "containerPort", 50051, "protocol", "TCP"),
        Map.of("name", "http", "containerPort", 8080, "protocol", "TCP")));

    assertThat(mapAt(container, "securityContext")).containsAllEntriesOf(Map.of(
        "runAsNonRoot", true, "readOnlyRootFilesystem", true, "allowPrivilegeEscalation", false,
        "capabilities", Map.of("drop", List.of("ALL"))));
    assertThat(mapAt(pod, "securityContext")).containsAllEntriesOf(Map.of(
        "runAsNonRoot", true, "seccompProfile", Map.of("type", "RuntimeDefault")));
    assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);

    assertThat(container.get("volumeMounts")).isEqualTo(List.of(Map.of("name", "tmp", "mountPath", "/tmp"),
        Map.of("name", "grpc-tls", "mountPath", "/etc/iem/grpc-tls", "readOnly", true)));
    assertThat(byName(pod.get("volumes"), v -> v.containsKey("secret") ? "secret" : "emptyDir"))
        .containsExactly(Map.entry("tmp", "emptyDir"), Map.entry("grpc-tls", "secret"));
    assertThat(container.get("envFrom")).isEqualTo(List.of(Map.of("configMapRef", Map.of("name", "iem-iem-okta"))));
    assertThat((Map<String, Object>) container.get("resources")).containsKeys("requests", "limits");
  }

  @Test
  void the_pod_outlives_the_apps_shutdown_grace() {
    for (Manifests m : List.of(renderMinimal(), renderProduction())) {
      int grace = Integer.parseInt(m.configData().get("IEM_SHUTDOWN_GRACE_SECONDS"));
      assertThat((Integer) at(m.one("Deployment"), "spec.template.spec.terminationGracePeriodSeconds"))
          .isGreaterThan(grace);
    }

    assertThatThrownBy(() -> template(null, Map.of("grpcTls.existingSecret", "tls", "config.shutdownGraceSeconds", 60))
        .call())
        .hasMessageContaining("terminationGracePeriodSeconds must be greater than config.shutdownGraceSeconds");
  }

  @Test
  void minimal_values_render_the_pdb_but_no_hpa_ingress_or_service_monitor() {
    Manifests m = renderMinimal();

    assertThat(m.kinds()).containsExactlyInAnyOrder("ConfigMap", "Deployment", "Service", "ServiceAccount",
        "PodDisruptionBudget", "NetworkPolicy");
    assertThat(at(m.one("PodDisruptionBudget"), "spec.minAvailable")).isEqualTo(1);
    assertThat(at(m.one("Service"), "spec.ports")).isEqualTo(List.of(
        Map.of("name", "grpc", "port", 50051, "targetPort", "grpc", "protocol", "TCP", "appProtocol", "https"),
        Map.of("name", "http", "port", 8080, "targetPort", "http", "protocol", "TCP", "appProtocol", "http")));
  }

  @Test
  void the_config_map_names_the_apps_variables_and_holds_no_secret() {
    Map<String, String> defaults = renderMinimal().configData();
    Map<String, String> production = renderProduction().configData();

    assertThat(defaults).containsEntry("IEM_DEV", "false").containsEntry("IEM_GRPC_PORT", "50051")
        .containsEntry("IEM_HTTP_PORT", "8080").containsEntry("IEM_AUTH_AUDIENCE", "iem-okta")
        .containsEntry("IEM_EGRESS_ADDRESSES", "");
    assertThat(production)
        .containsEntry("PGHOST", "iem.cluster-abc.eu-west-1.rds.amazonaws.com")
        .containsEntry("PGDATABASE", "iem_okta")
        .containsEntry("PGUSER", "iem_okta")
        .containsEntry("IEM_SIGNING_KEY_FILE", "/etc/iem/signing-keys/keys.pem")
        .containsEntry("IEM_PASSWORD_KEY_FILE", "/etc/iem/password-key/aes.key")
        .containsEntry("IEM_AUTH_ISSUER", "https://tokens.flare.internal")
        .containsEntry("IEM_AUTH_JWKS", "/etc/iem/caller-jwks/jwks.json")
        .containsEntry("IEM_PUBLIC_BASE_URL", "https://iem-okta.flare.io")
        .containsEntry("IEM_SHUTDOWN_GRACE_SECONDS", "30")
        .containsEntry("IEM_EGRESS_ADDRESSES", "203.0.113.7,198.51.100.0/28");
    for (Map<String, String> data : List.of(defaults, production)) {
      assertThat(data).doesNotContainKeys("PGPASSWORD", "IEM_REDIS_URL");
      assertThat(data.values()).noneMatch(v -> v.contains("BEGIN") || v.contains("@"));
    }
    assertThat(renderProduction().kinds()).doesNotContain("Secret");
  }

  @Test
  void redis_cluster_is_off_by_default_and_redis_cluster_true_sets_iem_redis_cluster() {
    assertThat(renderMinimal().configData()).containsEntry("IEM_REDIS_CLUSTER", "false");
    Map<String, Object> sets = new java.util.HashMap<>(ChartRender.TLS_SECRET);
    sets.put("redis.cluster", "true");
    sets.put("redis.url", "redis://node-a.internal:6379,redis://node-b.internal:6379");
    assertThat(ChartRender.render(null, sets).configData()).containsEntry("IEM_REDIS_CLUSTER", "true")
        .containsEntry("IEM_REDIS_URL", "redis://node-a.internal:6379,redis://node-b.internal:6379");
  }

  @Test
  void production_secrets_come_from_existing_secrets_as_files_and_secret_refs() {
    Manifests m = renderProduction();
    Map<String, Object> deployment = m.one("Deployment");
    Map<String, Object> container = container(deployment);

    assertThat(container.get("env")).isEqualTo(List.of(
        Map.of("name", "PGPASSWORD", "valueFrom", Map.of("secretKeyRef", Map.of("name", "iem-okta-postgres", "key", "pg-password"))),
        Map.of("name", "IEM_REDIS_URL", "valueFrom", Map.of("secretKeyRef", Map.of("name", "iem-okta-redis", "key", "redis-url")))));
    Map<String, String> mounts = byName(at(container, "volumeMounts"), v -> (String) v.get("mountPath"));
    assertThat(mounts).containsEntry("signing-keys", "/etc/iem/signing-keys")
        .containsEntry("password-key", "/etc/iem/password-key")
        .containsEntry("caller-jwks", "/etc/iem/caller-jwks")
        .containsEntry("grpc-tls", "/etc/iem/grpc-tls")
        .containsEntry("tmp", "/tmp");
    Map<String, String> secrets = byName(at(deployment, "spec.template.spec.volumes"),
        v -> v.containsKey("secret") ? (String) at(v, "secret.secretName") : "(not a secret)");
    assertThat(secrets).containsEntry("signing-keys", "iem-okta-signing-keys")
        .containsEntry("password-key", "iem-okta-password-key")
        .containsEntry("caller-jwks", "flare-token-issuer-jwks")
        .containsEntry("grpc-tls", "iem-okta-grpc-tls");
    assertThat(container.get("image")).isEqualTo("ghcr.io/flare-systems/iem-okta:1.4.2");
  }

  @Test
  void production_values_render_the_hpa_and_pdb_and_leave_replicas_to_the_hpa() {
    Manifests m = renderProduction();

    assertThat(at(m.one("HorizontalPodAutoscaler"), "spec.minReplicas")).isEqualTo(3);
    assertThat(at(m.one("HorizontalPodAutoscaler"), "spec.maxReplicas")).isEqualTo(8);
    assertThat(at(m.one("HorizontalPodAutoscaler"), "spec.scaleTargetRef.name")).isEqualTo("iem-iem-okta");
    assertThat(mapAt(m.one("Deployment"), "spec")).doesNotContainKey("replicas");
    assertThat(at(m.one("PodDisruptionBudget"), "spec.minAvailable")).isEqualTo(2);
    assertThat(at(m.one("PodDisruptionBudget"), "spec.selector.matchLabels"))
        .isEqualTo(at(m.one("Deployment"), "spec.selector.matchLabels"));
  }

  @Test
  void the_ingress_exposes_only_the_jwks_paths() {
    Map<String, Object> ingress = renderProduction().one("Ingress");

    List<Map<String, Object>> rules = listAt(ingress, "spec.rules");
    assertThat(rules).hasSize(1);
    assertThat(rules.get(0).get("host")).isEqualTo("iem-okta.flare.io");
    Map<String, Object> backend = Map.of("service", Map.of("name", "iem-iem-okta", "port", Map.of("name", "http")));
    assertThat(at(rules.get(0), "http.paths")).isEqualTo(List.of(
        Map.of("path", "/.well-known/jwks", "pathType", "Prefix", "backend", backend),
        Map.of("path", "/.well-known/jwks.json", "pathType", "Exact", "backend", backend)));
    assertThat(mapAt(ingress, "spec")).doesNotContainKey("defaultBackend");
  }

  @Test
  void the_network_policy_admits_labelled_callers_to_grpc_and_lets_out_only_what_the_service_needs() {
    Map<String, Object> policy = renderProduction().one("NetworkPolicy");

    List<Map<String, Object>> ingress = listAt(policy, "spec.ingress");
    assertThat(ingress.get(0).get("ports")).isEqualTo(List.of(Map.of("port", 50051, "protocol", "TCP")));
    assertThat((List<?>) ingress.get(0).get("from")).hasSize(2);
    assertThat(ingress.get(1).get("ports")).isEqualTo(List.of(Map.of("port", 8080, "protocol", "TCP")));
    List<Map<String, Object>> egress = listAt(policy, "spec.egress");
    assertThat(egress).extracting(rule -> ((List<Map<String, Object>>) rule.get("ports")).get(0).get("port"))
        .containsExactly(5432, 6380, 53, 443);
    assertThat(egress.get(0).get("to")).isEqualTo(List.of(Map.of("ipBlock", Map.of("cidr", "10.20.0.0/16"))));
  }

  @Test
  void the_service_monitor_scrapes_metrics_on_the_http_port() {
    Map<String, Object> monitor = renderProduction().one("ServiceMonitor");

    assertThat(at(monitor, "spec.endpoints")).isEqualTo(List.of(Map.of("port", "http", "path", "/metrics",
        "interval", "30s")));
    assertThat(at(monitor, "metadata.labels.release")).isEqualTo("prometheus");
  }
}
