package io.flare.iem.http;

import io.flare.iem.keys.PublishedKeys;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.storage.Readiness;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP port: {@code /.well-known/jwks/{id}.json} (one integration's public keys, fetched by its
 * Okta app), {@code /healthz} (the process is alive), {@code /readyz} (Postgres and Redis
 * reachable, not draining) and {@code /metrics} (Prometheus). The former shared {@code
 * /.well-known/jwks.json} is an empty key set: no key that signs for an integration is served at any
 * URL but its own, so an app still pointing there gets no token (and TestIntegration says why).
 */
public final class HttpEndpoints {

  public static final String SHARED_JWKS_PATH = "/.well-known/jwks.json";
  /** One integration's keys: {@code /.well-known/jwks/<jwks id>.json}. */
  public static final String JWKS_PREFIX = "/.well-known/jwks/";
  /** How long a JWKS response may be cached; a rotation waits for it (IntegrationKeys.SIGN_AFTER). */
  private static final String JWKS_CACHE = "public, max-age=60";

  private final PublishedKeys keys;
  private final Readiness readiness;
  private final Metrics metrics;

  public HttpEndpoints(PublishedKeys keys, Readiness readiness, Metrics metrics) {
    this.metrics = metrics;
    this.keys = keys;
    this.readiness = readiness;
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get(SHARED_JWKS_PATH).handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json").putHeader("cache-control", JWKS_CACHE).end("{\"keys\":[]}"));
    router.get(JWKS_PREFIX + ":file").handler(this::jwks);
    router.get("/healthz").handler(ctx -> ctx.response().putHeader("content-type", "text/plain").end("ok\n"));
    router.get("/readyz").handler(this::readyz);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    return router;
  }

  private void jwks(RoutingContext ctx) {
    String file = ctx.pathParam("file");
    if (!file.endsWith(".json")) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    keys.jwks(file.substring(0, file.length() - ".json".length())).onComplete(ar -> {
      if (ar.failed()) {
        ctx.response().setStatusCode(503).putHeader("cache-control", "no-store").putHeader("retry-after", "5").end();
      } else if (ar.result().isEmpty()) {
        ctx.response().setStatusCode(404).putHeader("cache-control", "no-store").end();
      } else {
        // public halves only: JWKSet.toString(true) drops every private parameter
        ctx.response().putHeader("content-type", "application/json").putHeader("cache-control", JWKS_CACHE)
            .end(ar.result().get().toString(true));
      }
    });
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
