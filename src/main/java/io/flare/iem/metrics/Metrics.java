package io.flare.iem.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The service's own metrics, scraped at {@code /metrics} in Prometheus format. Labels are small
 * closed sets (RPC method, gRPC status, Okta bucket and HTTP status, outcomes); never a username,
 * never a password, and no tenant data: one replica serves many tenants and a label per tenant would
 * grow without bound.
 */
public final class Metrics {

  private static final Duration[] LATENCY_SLOS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  private final MeterRegistry registry;
  private final Set<String> knownMethods;

  public Metrics(MeterRegistry registry, Set<String> knownMethods) {
    this.registry = registry;
    this.knownMethods = Set.copyOf(knownMethods);
  }

  /** A registry of our own, for when Vert.x was started without one (tests). */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The text a Prometheus scrape gets, or empty when the registry is not a Prometheus one. */
  public String scrape() {
    return registry instanceof PrometheusMeterRegistry prometheus ? prometheus.scrape() : "";
  }

  // ---- gRPC ---------------------------------------------------------------------------------

  /** One gRPC call that ended with {@code status} (its name, e.g. OK, INVALID_ARGUMENT). */
  public void grpcCall(String path, String status, long nanos) {
    String method = path.startsWith("/") ? path.substring(1) : path;
    Timer.builder("iem.grpc.server.calls")
        .description("gRPC calls served, by method and final status")
        .tag("method", knownMethods.contains(method) ? method : "other")
        .tag("status", status)
        .serviceLevelObjectives(LATENCY_SLOS)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  // ---- Okta ---------------------------------------------------------------------------------

  /** One HTTP exchange with Okta: the bucket it spends from and its status (0 when none came back). */
  public void oktaRequest(String bucket, int status, long nanos) {
    Timer.builder("iem.okta.requests")
        .description("HTTP requests to Okta, by rate-limit bucket and status (0: no response)")
        .tag("bucket", bucket)
        .tag("status", Integer.toString(status))
        .serviceLevelObjectives(LATENCY_SLOS)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** What was left of a bucket after a response, as a fraction of its limit. */
  public void oktaHeadroom(String bucket, double remainingShare) {
    DistributionSummary.builder("iem.okta.rate.limit.headroom")
        .description("share of an Okta rate-limit bucket still unspent when a response came back")
        .tag("bucket", bucket)
        .serviceLevelObjectives(0.05, 0.1, 0.25, 0.5, 0.75, 1.0)
        .register(registry)
        .record(remainingShare);
  }

  /** A request waited for Okta's rate limit (our share, or a 429) before it was sent. */
  public void oktaRateLimitWait(String bucket, long millis) {
    Timer.builder("iem.okta.rate.limit.waits")
        .description("waits before sending to Okta because of its rate limit")
        .tag("bucket", bucket)
        .register(registry)
        .record(millis, TimeUnit.MILLISECONDS);
  }

  // ---- identity sync ------------------------------------------------------------------------

  public void syncPage(int users) {
    Counter.builder("iem.sync.pages").description("pages of users fetched by sync runs").register(registry)
        .increment();
    Counter.builder("iem.sync.users").description("users listed by sync runs").register(registry).increment(users);
  }

  /** A sync run ended on this replica. */
  public void syncRunEnded(String mode, String state, long nanos) {
    Timer.builder("iem.sync.runs")
        .description("sync runs that ended on this replica, by mode and final state, with their duration")
        .tag("mode", mode)
        .tag("state", state)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A value read when scraped, e.g. sync runs in progress on this replica. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  /** A labelled counter, for the outcome-like series of other capabilities. */
  public void count(String name, String description, String... tags) {
    Counter.builder(name).description(description).tags(tags).register(registry).increment();
  }
}
