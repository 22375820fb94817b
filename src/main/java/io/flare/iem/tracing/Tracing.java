package io.flare.iem.tracing;

import io.flare.iem.config.ConfigException;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.internal.VertxInternal;
import io.vertx.redis.client.RedisAPI;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns tracing on: OpenTelemetry, configured by the standard {@code OTEL_*} variables and exported
 * over OTLP, behind Vert.x's own integration ({@code vertx-opentelemetry}), which makes a span of
 * every gRPC call, Okta request, Postgres query and Redis command. Off unless an OTLP endpoint or a
 * traces exporter is configured; off, Vert.x gets no tracer at all and {@link Traces} does nothing.
 */
public final class Tracing {

  /** The traces exporters this build carries: OTLP (http/protobuf or grpc), or none. */
  private static final Set<String> EXPORTERS = Set.of("otlp", "none");

  /**
   * Defaults the environment may override: metrics are Prometheus' and logs stdout's, not OTLP's;
   * OTLP over http/protobuf (port 4318), the specification's default, where the Java SDK's own is grpc.
   */
  private static final Map<String, String> DEFAULTS = Map.of(
      "otel.service.name", "iem-okta",
      "otel.exporter.otlp.protocol", "http/protobuf",
      "otel.metrics.exporter", "none",
      "otel.logs.exporter", "none");

  /** Per Vert.x instance built with tracing: its tracer, and where queued work keeps its caller's trace. */
  static final Map<Vertx, Traced> TRACED = new java.util.concurrent.ConcurrentHashMap<>();

  /** What {@link Traces} needs for one Vert.x instance. */
  record Traced(io.opentelemetry.api.trace.Tracer tracer, RedisAPI links) {}

  private Tracing() {}

  /** Whether {@code env} asks for traces: an OTLP endpoint or a traces exporter, and the SDK not disabled. */
  public static boolean configured(Map<String, String> env) {
    if ("true".equalsIgnoreCase(value(env, "OTEL_SDK_DISABLED"))) {
      return false;
    }
    String exporter = value(env, "OTEL_TRACES_EXPORTER");
    if (exporter.equals("none")) {
      return false;
    }
    return !exporter.isEmpty() || !value(env, "OTEL_EXPORTER_OTLP_ENDPOINT").isEmpty()
        || !value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").isEmpty();
  }

  /**
   * The OpenTelemetry SDK {@code env} configures, or empty when tracing is not configured. Health
   * checks, probes and scrapes are never sampled ({@link QuietProbes}).
   *
   * @throws ConfigException when the {@code OTEL_*} variables are wrong (an exporter this build does
   *     not carry, a malformed endpoint or sampler)
   */
  public static Optional<OpenTelemetrySdk> fromEnv(Map<String, String> env) {
    if (!configured(env)) {
      return Optional.empty();
    }
    List<String> problems = new ArrayList<>();
    for (String exporter : value(env, "OTEL_TRACES_EXPORTER").split(",")) {
      if (!exporter.isBlank() && !EXPORTERS.contains(exporter.trim())) {
        problems.add("OTEL_TRACES_EXPORTER: '" + exporter.trim() + "' is not available; use otlp (or none)");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    try {
      return Optional.of(AutoConfiguredOpenTelemetrySdk.builder()
          .addPropertiesSupplier(() -> DEFAULTS)
          .addPropertiesCustomizer(ignored -> properties(env))
          .addSamplerCustomizer((sampler, config) -> new QuietProbes(sampler))
          .disableShutdownHook() // Main flushes once the service has stopped
          .build()
          .getOpenTelemetrySdk());
    } catch (ConfigurationException e) {
      throw new ConfigException(List.of("OTEL_*: " + e.getMessage()));
    }
  }

  /**
   * Builds Vert.x with tracing through {@code openTelemetry}: Vert.x's HTTP server and client, the
   * Postgres pool and the Redis client report to it, and {@link Traces} starts our own spans in it.
   */
  public static Vertx build(VertxBuilder builder, OpenTelemetry openTelemetry) {
    Vertx vertx = builder.withTracer(new OpenTelemetryTracingFactory(openTelemetry)).build();
    TRACED.put(vertx, new Traced(openTelemetry.getTracer("io.flare.iem"), null));
    ((VertxInternal) vertx).addCloseHook(completion -> {
      TRACED.remove(vertx);
      completion.succeed();
    });
    return vertx;
  }

  /**
   * Where work queued under {@code vertx} keeps the trace context of the call that queued it, for
   * the worker's span to link to (a key per queued item, expiring). No-op without tracing.
   */
  public static void keepLinksIn(Vertx vertx, RedisAPI redis) {
    TRACED.computeIfPresent(vertx, (v, traced) -> new Traced(traced.tracer(), redis));
  }

  /** {@code OTEL_EXPORTER_OTLP_ENDPOINT} as the SDK names it ({@code otel.exporter.otlp.endpoint}). */
  static Map<String, String> properties(Map<String, String> env) {
    Map<String, String> out = new HashMap<>();
    env.forEach((name, value) -> {
      if (name.startsWith("OTEL_")) {
        out.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
      }
    });
    return out;
  }

  private static String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null ? "" : v.trim().toLowerCase(Locale.ROOT);
  }
}
