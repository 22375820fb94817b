package io.flare.iem.credentialcheck;

import io.flare.iem.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A proxy in front of the simulated org that breaks only {@code POST /api/v1/authn}: answers 503,
 * answers too late (past the client's timeout), or answers something no client can interpret.
 * Everything else (tokens, user reads, lifecycle) reaches the simulator untouched, with the
 * proxy's Host, so the org's URLs are the proxy's.
 */
final class FaultyOkta {

  enum Fault { NONE, HTTP_503, TOO_SLOW, ODD_ANSWER }

  private final Vertx vertx;
  private final HttpClient client;
  private final int targetPort;
  private HttpServer server;
  volatile Fault fault = Fault.NONE;
  volatile long slowMillis = 3_000;
  final AtomicInteger authnRequests = new AtomicInteger();

  private FaultyOkta(Vertx vertx, int targetPort) {
    this.vertx = vertx;
    this.targetPort = targetPort;
    this.client = vertx.createHttpClient();
  }

  static FaultyOkta start(Vertx vertx, int targetPort) {
    FaultyOkta proxy = new FaultyOkta(vertx, targetPort);
    proxy.server = Await.result(vertx.createHttpServer().requestHandler(proxy::handle).listen(0, "127.0.0.1"));
    return proxy;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      if (req.path().equals("/api/v1/authn")) {
        authnRequests.incrementAndGet();
        switch (fault) {
          case HTTP_503 -> {
            req.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                .putHeader("X-Okta-Request-Id", "proxy-503").end("{\"errorCode\":\"E0000009\",\"errorSummary\":\"Internal"
                    + " Server Error\",\"errorLink\":\"E0000009\",\"errorId\":\"oaeproxy\",\"errorCauses\":[]}");
            return;
          }
          case ODD_ANSWER -> {
            req.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                .putHeader("X-Okta-Request-Id", "proxy-odd").end("{\"status\":\"UNAUTHENTICATED\"}");
            return;
          }
          case TOO_SLOW -> {
            vertx.setTimer(slowMillis, id -> forward(req, body));
            return;
          }
          default -> {
            // pass through
          }
        }
      }
      forward(req, body);
    });
  }

  private void forward(HttpServerRequest req, Buffer body) {
    client.request(new RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(targetPort)
            .setURI(req.uri()))
        .compose(out -> {
          out.headers().setAll(req.headers());
          return out.send(body);
        })
        .compose(resp -> resp.body().map(b -> new Object[] {resp, b}))
        .onComplete(ar -> {
          if (req.response().ended() || req.response().closed()) {
            return;
          }
          if (ar.failed()) {
            req.response().setStatusCode(502).end();
            return;
          }
          HttpClientResponse resp = (HttpClientResponse) ar.result()[0];
          req.response().setStatusCode(resp.statusCode());
          req.response().headers().setAll(resp.headers());
          req.response().headers().remove("Content-Length").remove("Transfer-Encoding");
          req.response().end((Buffer) ar.result()[1]);
        });
  }

  Future<Void> stop() {
    return server.close().compose(v -> client.close());
  }
}
