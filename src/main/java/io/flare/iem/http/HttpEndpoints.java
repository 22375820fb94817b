package io.flare.iem.http;

import io.flare.iem.keys.SigningKeys;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.storage.Readiness;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP port: {@code /.well-known/jwks.json} (our public keys, fetched by Okta), {@code /healthz}
 * (the process is alive), {@code /readyz} (Postgres and Redis reachable, not draining) and
 * {@code /metrics} (Prometheus).
 */
public final class HttpEndpoints {

  public static final String JWKS_PATH = "/.well-known/jwks.json";

  private final String jwks;
  private final Readiness readiness;
  private final Metrics metrics;

  public HttpEndpoints(SigningKeys keys, Readiness readiness, Metrics metrics) {
    this.metrics = metrics;
    // public halves only: JWK.toPublicJWK drops every private parameter
    this.jwks = keys.publicJwks().toString(true);
    this.readiness = readiness;
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get(JWKS_PATH).handler(this::jwks);
    router.get("/healthz").handler(ctx -> ctx.response().putHeader("content-type", "text/plain").end("ok\n"));
    router.get("/readyz").handler(this::readyz);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    return router;
  }

  private void jwks(RoutingContext ctx) {
    ctx.response()
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "public, max-age=300")
        .end(jwks);
  }

  private void readyz(RoutingContext ctx) {
    readiness.check().onComplete(result -> {
      var report = result.result();
      boolean ready = result.succeeded() && report.ready();
      JsonObject body = new JsonObject()
          .put("ready", ready)
          .put("postgres", result.succeeded() && report.postgres())
          .put("redis", result.succeeded() && report.redis())
          .put("draining", result.succeeded() && report.draining());
      ctx.response()
          .setStatusCode(ready ? 200 : 503)
          .putHeader("content-type", "application/json")
          .putHeader("cache-control", "no-store")
          .end(body.encode());
    });
  }
}
