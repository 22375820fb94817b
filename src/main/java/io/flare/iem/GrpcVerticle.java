package io.flare.iem;

import io.flare.iem.config.GrpcTlsConfig;
import io.flare.iem.grpc.GrpcEdge;
import io.flare.iem.grpc.ReflectionGate;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.storage.Readiness;
import io.flare.iem.tracing.Traces;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.Service;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The gRPC ingress: one HTTP/2 server per instance (instances share the port), serving our three
 * services behind the edge gate, plus {@code grpc.health.v1} and server reflection. With a
 * certificate configured it speaks TLS (h2 by ALPN); otherwise plaintext h2c.
 */
final class GrpcVerticle extends VerticleBase {

  /** The health names whose status follows readiness (Postgres and Redis up, not draining). */
  static final List<String> READINESS_NAMES = List.of("readiness",
      "flare.iem.v1.IntegrationConfigService", "flare.iem.v1.IdentitySyncService", "flare.iem.v1.CredentialCheckService");

  private final String host;
  private final int port;
  private final Optional<GrpcTlsConfig> tls;
  private final List<Service> services;
  private final GrpcEdge.Gate gate;
  private final Readiness readiness;
  private final Duration grace;
  private final Metrics metrics;
  private HttpServer server;

  GrpcVerticle(String host, int port, Optional<GrpcTlsConfig> tls, List<Service> services, GrpcEdge.Gate gate,
      Readiness readiness, Duration grace, Metrics metrics) {
    this.grace = grace;
    this.metrics = metrics;
    this.host = host;
    this.port = port;
    this.tls = tls;
    this.services = services;
    this.gate = gate;
    this.readiness = readiness;
  }

  @Override
  public Future<?> start() {
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions()
        .setScheduleDeadlineAutomatically(true)
        .setDeadlinePropagation(true));
    for (Service service : services) {
      grpc.addService(GrpcEdge.guard(service, gate));
    }
    grpc.addService(GrpcEdge.guard(ReflectionService.v1(), new ReflectionGate()));
    HealthService health = HealthService.create(vertx);
    for (String name : READINESS_NAMES) {
      health.register(name, readiness::ready);
    }
    grpc.addService(health);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setIdleTimeout(300);
    tls.ifPresent(pem -> options.setSsl(true).setUseAlpn(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(pem.certFile().toString())
        .setKeyPath(pem.keyFile().toString())));
    server = vertx.createHttpServer(options);
    return server.requestHandler(request -> measured(request, grpc)).listen();
  }

  /**
   * Times the call and reads its final gRPC status from the headers of a trailers-only response, or
   * else from the trailers; a call whose stream is reset counts as CANCELLED.
   */
  private void measured(HttpServerRequest request, GrpcServer grpc) {
    long started = System.nanoTime();
    String path = request.path();
    HttpServerResponse response = request.response();
    Consumer<String> traced = Traces.grpcCall(path);
    GrpcEdge.serve(grpc, request, () -> {
      // the headers first: asking a trailers-only response for its trailers creates them, and Vert.x
      // then writes them after the stream's end (a failed write and an error log for every failed call)
      String code = response.headers().get("grpc-status");
      if (code == null) {
        code = response.trailers().get("grpc-status");
      }
      String status = response.ended() ? statusName(code) : "CANCELLED";
      metrics.grpcCall(path, status, System.nanoTime() - started);
      traced.accept(status);
    });
  }

  private static String statusName(String code) {
    try {
      GrpcStatus status = code == null ? null : GrpcStatus.valueOf(Integer.parseInt(code));
      return status == null ? "UNKNOWN" : status.name();
    } catch (NumberFormatException e) {
      return "UNKNOWN";
    }
  }

  /**
   * Graceful stop: the port closes and HTTP/2 clients get GOAWAY (new calls go to other replicas),
   * calls in flight get up to the grace period to finish.
   */
  @Override
  public Future<?> stop() {
    return server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The full names ({@code package.Service/Method}) of every method of these services. */
  static java.util.Set<String> methodsOf(List<com.google.protobuf.Descriptors.ServiceDescriptor> services) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (var service : services) {
      service.getMethods().forEach(m -> names.add(service.getFullName() + "/" + m.getName()));
    }
    names.add("grpc.health.v1.Health/Check");
    names.add("grpc.health.v1.Health/Watch");
    names.add("grpc.reflection.v1.ServerReflection/ServerReflectionInfo");
    return names;
  }

  int actualPort() {
    return server.actualPort();
  }
}
