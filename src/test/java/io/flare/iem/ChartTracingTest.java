package io.flare.iem;

import static io.flare.iem.ChartRender.TLS_SECRET;
import static io.flare.iem.ChartRender.listAt;
import static io.flare.iem.ChartRender.render;
import static io.flare.iem.ChartRender.renderMinimal;
import static io.flare.iem.ChartRender.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.ChartRender.Manifests;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart's tracing values: off by default (no {@code OTEL_*} variable at all), and with an OTLP
 * endpoint, the standard variables in the ConfigMap and an egress rule to the collector.
 */
class ChartTracingTest {

  @Test
  void tracing_is_off_by_default() {
    Manifests m = renderMinimal();

    assertThat(m.configData().keySet()).noneMatch(name -> name.startsWith("OTEL_"));
    assertThat(egressPorts(m)).doesNotContain(4318);
  }

  @Test
  void an_otlp_endpoint_sets_the_standard_variables_and_lets_the_pods_reach_the_collector() {
    Map<String, Object> sets = new HashMap<>(TLS_SECRET);
    sets.put("tracing.otlpEndpoint", "http://otel-collector.observability:4318");
    sets.put("tracing.samplerArg", "0.25");
    Manifests m = render(null, sets);

    assertThat(m.configData())
        .containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability:4318")
        .containsEntry("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .containsEntry("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
        .containsEntry("OTEL_TRACES_SAMPLER_ARG", "0.25")
        .containsEntry("OTEL_SERVICE_NAME", "iem-okta");
    assertThat(egressPorts(m)).contains(4318);
  }

  @Test
  void extra_env_may_not_set_what_the_tracing_values_set() {
    Map<String, Object> sets = new HashMap<>(TLS_SECRET);
    sets.put("tracing.otlpEndpoint", "http://otel-collector.observability:4318");
    sets.put("extraEnv.OTEL_TRACES_SAMPLER", "always_on");

    assertThatThrownBy(() -> template(null, sets).call()).hasMessageContaining("OTEL_TRACES_SAMPLER");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> egressPorts(Manifests m) {
    List<Map<String, Object>> egress = listAt(m.one("NetworkPolicy"), "spec.egress");
    return egress.stream().map(rule -> ((List<Map<String, Object>>) rule.get("ports")).get(0).get("port")).toList();
  }
}
