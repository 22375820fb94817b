package io.flare.iem;

import io.flare.iem.http.HttpEndpoints;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/** The HTTP ingress: JWKS for Okta, liveness and readiness for Kubernetes. */
final class HttpVerticle extends VerticleBase {

  private final String host;
  private final int port;
  private final HttpEndpoints endpoints;
  private HttpServer server;

  HttpVerticle(String host, int port, HttpEndpoints endpoints) {
    this.host = host;
    this.port = port;
    this.endpoints = endpoints;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setIdleTimeout(60));
    return server.requestHandler(endpoints.router(vertx)).listen();
  }

  int actualPort() {
    return server.actualPort();
  }
}
