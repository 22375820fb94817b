package io.flare.iem.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.config.ConfigException;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Tracing is off unless the standard {@code OTEL_*} variables name an OTLP endpoint or exporter. */
class TracingConfigTest {

  static final String ENDPOINT = "http://127.0.0.1:4318";

  @Test
  void off_without_an_endpoint_or_exporter() {
    assertThat(Tracing.configured(Map.of())).isFalse();
    assertThat(Tracing.configured(Map.of("OTEL_SERVICE_NAME", "iem-okta"))).isFalse();
    assertThat(Tracing.fromEnv(Map.of("OTEL_TRACES_SAMPLER", "always_on"))).isEmpty();
  }

  @Test
  void on_with_an_endpoint_or_the_otlp_exporter() {
    assertThat(Tracing.configured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT))).isTrue();
    assertThat(Tracing.configured(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ENDPOINT + "/v1/traces"))).isTrue();
    assertThat(Tracing.configured(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
    Optional<OpenTelemetrySdk> sdk = Tracing.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT,
        "OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG", "0.5"));
    assertThat(sdk).isPresent();
    assertThat(sdk.get().getSdkTracerProvider().getSampler().getDescription()).startsWith("QuietProbes{")
        .contains("0.5");
    sdk.get().close();
  }

  @Test
  void none_or_a_disabled_sdk_turns_it_off_whatever_else_is_set() {
    assertThat(Tracing.configured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT, "OTEL_TRACES_EXPORTER", "none")))
        .isFalse();
    assertThat(Tracing.configured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT, "OTEL_SDK_DISABLED", "true")))
        .isFalse();
  }

  @Test
  void an_exporter_the_jar_lacks_or_a_bad_setting_stops_start_up_naming_the_variable() {
    assertThatThrownBy(() -> Tracing.fromEnv(Map.of("OTEL_TRACES_EXPORTER", "zipkin")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString()
            .contains("OTEL_TRACES_EXPORTER").contains("zipkin"));
    assertThatThrownBy(() -> Tracing.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT,
        "OTEL_TRACES_SAMPLER", "sometimes")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("OTEL_*");
  }

  @Test
  void variables_reach_the_sdk_under_its_property_names() {
    assertThat(Tracing.properties(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT, "PGPASSWORD", "x")))
        .isEqualTo(Map.of("otel.exporter.otlp.endpoint", ENDPOINT));
  }
}
