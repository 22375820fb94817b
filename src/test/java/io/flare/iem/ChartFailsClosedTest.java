package io.flare.iem;

import static io.flare.iem.ChartRender.PRODUCTION;
import static io.flare.iem.ChartRender.TLS_SECRET;
import static io.flare.iem.ChartRender.at;
import static io.flare.iem.ChartRender.byName;
import static io.flare.iem.ChartRender.container;
import static io.flare.iem.ChartRender.listAt;
import static io.flare.iem.ChartRender.render;
import static io.flare.iem.ChartRender.renderMinimal;
import static io.flare.iem.ChartRender.renderProduction;
import static io.flare.iem.ChartRender.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.ChartRender.Manifests;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart fails closed (issue 13, part 9): gRPC over TLS unless plaintext is chosen explicitly,
 * {@code /metrics} reachable only from the configured namespace, images pinned by a well-formed digest,
 * and no value that would quietly open the service.
 */
class ChartFailsClosedTest {

  static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  // ---- gRPC over TLS ---------------------------------------------------------------------------

  @Test
  void grpc_is_served_over_tls_by_default_with_the_certificate_of_the_secret_and_probes_on_the_http_port() {
    Manifests m = renderMinimal();
    Map<String, Object> deployment = m.one("Deployment");
    Map<String, Object> container = container(deployment);

    assertThat(m.configData()).containsEntry("IEM_GRPC_TLS_CERT_FILE", "/etc/iem/grpc-tls/tls.crt")
        .containsEntry("IEM_GRPC_TLS_KEY_FILE", "/etc/iem/grpc-tls/tls.key");
    assertThat(byName(at(container, "volumeMounts"), v -> (String) v.get("mountPath")))
        .containsEntry("grpc-tls", "/etc/iem/grpc-tls");
    Map<String, Object> volume = volume(deployment, "grpc-tls");
    assertThat(at(volume, "secret.secretName")).isEqualTo("iem-okta-grpc-tls");
    assertThat(at(volume, "secret.items")).isEqualTo(List.of(
        Map.of("key", "tls.crt", "path", "tls.crt"), Map.of("key", "tls.key", "path", "tls.key")));
    // The kubelet's gRPC probe cannot speak TLS: every probe goes to the HTTP port's health endpoints.
    assertThat(at(container, "startupProbe.httpGet")).isEqualTo(Map.of("path", "/healthz", "port", 8080));
    assertThat(at(container, "livenessProbe.httpGet")).isEqualTo(Map.of("path", "/healthz", "port", 8080));
    assertThat(at(container, "readinessProbe.httpGet")).isEqualTo(Map.of("path", "/readyz", "port", 8080));
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(ChartRender.<Map<String, Object>>cast(container.get(probe))).doesNotContainKey("grpc");
    }
    // Meshes and gateways are told the port speaks TLS, not plaintext gRPC.
    assertThat(servicePort(m, "grpc").get("appProtocol")).isEqualTo("https");
  }

  @Test
  void rendering_without_a_tls_secret_is_refused_naming_the_value_to_set() {
    assertThatThrownBy(() -> template(null, Map.of()).call())
        .hasMessageContaining("set grpcTls.existingSecret to a kubernetes.io/tls Secret")
        .hasMessageContaining("grpcTls.plaintext=true only behind a service mesh");
    assertThatThrownBy(() -> template(null, Map.of("grpcTls.plaintext", false)).call())
        .hasMessageContaining("set grpcTls.existingSecret");
  }

  @Test
  void plaintext_is_served_only_when_the_explicit_value_asks_for_it() {
    Manifests m = render(null, Map.of("grpcTls.plaintext", true));
    Map<String, Object> deployment = m.one("Deployment");
    Map<String, Object> container = container(deployment);

    assertThat(m.configData()).doesNotContainKeys("IEM_GRPC_TLS_CERT_FILE", "IEM_GRPC_TLS_KEY_FILE");
    assertThat(byName(at(container, "volumeMounts"), v -> (String) v.get("mountPath"))).doesNotContainKey("grpc-tls");
    assertThat(at(container, "livenessProbe.grpc")).isEqualTo(Map.of("port", 50051));
    assertThat(at(container, "readinessProbe.grpc")).isEqualTo(Map.of("port", 50051, "service", "readiness"));
    assertThat(at(container, "startupProbe.grpc")).isEqualTo(Map.of("port", 50051));
    assertThat(servicePort(m, "grpc").get("appProtocol")).isEqualTo("grpc");

    assertThatThrownBy(() -> template(null, Map.of("grpcTls.plaintext", true, "grpcTls.existingSecret", "tls")).call())
        .hasMessageContaining("grpcTls.plaintext is true and grpcTls.existingSecret is set: choose one");
    assertThatThrownBy(() -> template(null, Map.of("grpcTls.plaintext", "yes")).call())
        .hasMessageContaining("grpcTls.plaintext must be true or false, got \"yes\"");
  }

  // ---- /metrics only from the configured namespace ----------------------------------------------

  @Test
  void by_default_the_http_port_admits_only_the_monitoring_namespace() {
    List<Map<String, Object>> httpRules = httpPortRules(renderMinimal());

    assertThat(httpRules).hasSize(1);
    assertThat(httpRules.get(0).get("from")).isEqualTo(List.of(
        Map.of("namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring")))));
  }

  @Test
  void the_metrics_namespace_and_prometheus_pods_are_values_and_the_service_monitor_lives_in_that_namespace() {
    Manifests m = render(null, with(TLS_SECRET, Map.of("metrics.allowedNamespace", "observability",
        "metrics.podSelector.prometheus", "k8s", "serviceMonitor.enabled", true)));

    List<Map<String, Object>> httpRules = httpPortRules(m);
    assertThat(httpRules).hasSize(1);
    assertThat(httpRules.get(0).get("from")).isEqualTo(List.of(Map.of(
        "namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "observability")),
        "podSelector", Map.of("matchLabels", Map.of("prometheus", "k8s")))));
    Map<String, Object> monitor = m.one("ServiceMonitor");
    assertThat(at(monitor, "metadata.namespace")).isEqualTo("observability");
    assertThat(at(monitor, "spec.namespaceSelector")).isEqualTo(Map.of("matchNames", List.of("iem")));
    assertThat(at(monitor, "spec.selector.matchLabels")).isEqualTo(at(m.one("Service"), "spec.selector"));
  }

  @Test
  void with_the_ingress_on_the_http_port_admits_the_ingress_controller_too_and_never_everyone() {
    Manifests m = renderProduction();

    assertThat(httpPortRules(m)).extracting(rule -> rule.get("from")).containsExactly(
        List.of(Map.of("namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring")))),
        List.of(Map.of("namespaceSelector", Map.of("matchLabels",
            Map.of("kubernetes.io/metadata.name", "ingress-nginx")))));
    assertThat(at(m.one("ServiceMonitor"), "metadata.namespace")).isEqualTo("monitoring");
  }

  @Test
  void a_metrics_namespace_that_is_not_a_namespace_name_is_refused() {
    for (String bad : List.of("", "Monitoring", "kube_system")) {
      assertThatThrownBy(() -> template(null, with(TLS_SECRET, Map.of("metrics.allowedNamespace", bad))).call())
          .as("metrics.allowedNamespace=%s", bad)
          .hasMessageContaining("metrics.allowedNamespace must name a namespace");
    }
  }

  // ---- images pinned by digest -------------------------------------------------------------------

  @Test
  void a_digest_pins_the_image_and_wins_over_the_tag() {
    Manifests m = render(PRODUCTION, Map.of("image.digest", DIGEST));

    assertThat(container(m.one("Deployment")).get("image")).isEqualTo("ghcr.io/flare-systems/iem-okta@" + DIGEST);
  }

  @Test
  void a_malformed_digest_is_refused() {
    for (String bad : List.of("sha256:abc", "0123456789abcdef".repeat(4), "SHA256:" + "0123456789abcdef".repeat(4),
        "sha256:" + "0123456789ABCDEF".repeat(4), "sha512:" + "0123456789abcdef".repeat(8), DIGEST + "0")) {
      assertThatThrownBy(() -> template(PRODUCTION, Map.of("image.digest", bad)).call())
          .as("image.digest=%s", bad)
          .hasMessageContaining("image.digest must be sha256: followed by 64 lowercase hex digits");
    }
  }

  // ---- no value quietly opens the service --------------------------------------------------------

  @Test
  void values_that_would_open_the_service_are_refused() {
    assertThat(renderMinimal().configData()).doesNotContainKey("IEM_OKTA_INSECURE_HOSTS");
    assertThatThrownBy(() -> template(null, with(TLS_SECRET, Map.of("config.oktaInsecureHosts", "okta.local"))).call())
        .hasMessageContaining("config.oktaInsecureHosts must be empty");
    for (String name : List.of("IEM_DEV", "IEM_OKTA_INSECURE_HOSTS", "IEM_BIND_HOST", "IEM_GRPC_TLS_CERT_FILE",
        "IEM_AUTH_JWKS")) {
      assertThatThrownBy(() -> template(null, with(TLS_SECRET, Map.of("extraEnv." + name, "x"))).call())
          .as("extraEnv.%s", name)
          .hasMessageContaining("extraEnv may not set " + name);
    }
    assertThat(render(null, with(TLS_SECRET, Map.of("extraEnv.JAVA_TOOL_OPTIONS", "-Xss1m"))).configData())
        .containsEntry("JAVA_TOOL_OPTIONS", "-Xss1m");
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private static Map<String, Object> with(Map<String, Object> base, Map<String, Object> more) {
    Map<String, Object> all = new HashMap<>(base);
    all.putAll(more);
    return all;
  }

  /** The NetworkPolicy's ingress rules that open the HTTP port (where /metrics is served). */
  private static List<Map<String, Object>> httpPortRules(Manifests m) {
    List<Map<String, Object>> rules = listAt(m.one("NetworkPolicy"), "spec.ingress");
    return rules.stream()
        .filter(rule -> ((List<?>) rule.get("ports")).contains(Map.of("port", 8080, "protocol", "TCP")))
        .toList();
  }

  private static Map<String, Object> servicePort(Manifests m, String name) {
    List<Map<String, Object>> ports = listAt(m.one("Service"), "spec.ports");
    return ports.stream().filter(p -> name.equals(p.get("name"))).findFirst().orElseThrow();
  }

  private static Map<String, Object> volume(Map<String, Object> deployment, String name) {
    List<Map<String, Object>> volumes = listAt(deployment, "spec.template.spec.volumes");
    return volumes.stream().filter(v -> name.equals(v.get("name"))).findFirst().orElseThrow();
  }
}
