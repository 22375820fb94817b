package io.flare.iem;

import io.flare.iem.grpc.GrpcEdge;
import io.flare.iem.storage.Readiness;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.Service;
import java.util.List;

/**
 * The gRPC ingress: one HTTP/2 server per instance (instances share the port), serving our three
 * services behind the edge gate, plus {@code grpc.health.v1} and server reflection.
 */
final class GrpcVerticle extends VerticleBase {

  /** The health names whose status follows readiness (Postgres and Redis up, not draining). */
  static final List<String> READINESS_NAMES = List.of("readiness",
      "flare.iem.v1.IntegrationConfigService", "flare.iem.v1.IdentitySyncService", "flare.iem.v1.CredentialCheckService");

  private final String host;
  private final int port;
  private final List<Service> services;
  private final GrpcEdge.Gate gate;
  private final Readiness readiness;
  private HttpServer server;

  GrpcVerticle(String host, int port, List<Service> services, GrpcEdge.Gate gate, Readiness readiness) {
    this.host = host;
    this.port = port;
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
    grpc.addService(ReflectionService.v1());
    HealthService health = HealthService.create(vertx);
    for (String name : READINESS_NAMES) {
      health.register(name, readiness::ready);
    }
    grpc.addService(health);
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setIdleTimeout(300));
    return server.requestHandler(grpc).listen();
  }

  int actualPort() {
    return server.actualPort();
  }
}
