package io.flare.iem.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.Set;

/**
 * The configured sampler ({@code OTEL_TRACES_SAMPLER}), except that the calls Kubernetes and
 * Prometheus make every few seconds are never traced: gRPC health checks, {@code /healthz},
 * {@code /readyz} and {@code /metrics}. Vert.x names the path of each request it serves in
 * {@code url.path} before the span starts.
 */
final class QuietProbes implements Sampler {

  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final Set<String> PROBES = Set.of("/healthz", "/readyz", "/metrics");
  private static final String HEALTH = "/grpc.health.v1.Health/";

  private final Sampler configured;

  QuietProbes(Sampler configured) {
    this.configured = configured;
  }

  @Override
  public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind,
      Attributes attributes, List<LinkData> links) {
    String path = attributes.get(PATH);
    if (kind == SpanKind.SERVER && path != null && (PROBES.contains(path) || path.startsWith(HEALTH))) {
      return SamplingResult.drop();
    }
    return configured.shouldSample(parent, traceId, name, kind, attributes, links);
  }

  @Override
  public String getDescription() {
    return "QuietProbes{" + configured.getDescription() + "}";
  }
}
