package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.AuthnExamples;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our authn parsing ({@link OktaOrg#authn}) against Okta's own documented answers (fixture 20): a
 * tiny server answers {@code POST /api/v1/authn} with each example's status, headers and body as
 * documented, and {@code POST /api/v1/authn/cancel} with 200 {@code {}}; each outcome's kind is
 * asserted, and every state token the example carries is cancelled.
 */
class DocumentedAuthnAnswersParsingTest {

  /** What each documented answer means to us (okta-api.md §4); every example needs a line. */
  static final Map<String, AuthnOutcome.Kind> KINDS = Map.of(
      "SUCCESS", AuthnOutcome.Kind.VALID,
      "401 E0000004", AuthnOutcome.Kind.INVALID,
      "LOCKED_OUT", AuthnOutcome.Kind.LOCKED_OUT,
      "PASSWORD_EXPIRED", AuthnOutcome.Kind.VALID,
      "MFA_REQUIRED", AuthnOutcome.Kind.VALID,
      "MFA_ENROLL", AuthnOutcome.Kind.VALID,
      "PASSWORD_WARN", AuthnOutcome.Kind.VALID,
      "429 E0000047", AuthnOutcome.Kind.RATE_LIMITED);

  static Vertx vertx;
  static HttpServer server;
  static String base;
  static final AtomicReference<JsonObject> answer = new AtomicReference<>();
  static final List<String> cancelled = new CopyOnWriteArrayList<>();
  static final List<JsonObject> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = Await.result(vertx.createHttpServer().requestHandler(DocumentedAuthnAnswersParsingTest::answer)
        .listen(0, "127.0.0.1"));
    base = "http://127.0.0.1:" + server.actualPort();
  }

  @AfterAll
  static void stop() {
    Await.result(server.close());
    Await.result(vertx.close());
  }

  static void answer(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      req.response().putHeader("Content-Type", "application/json")
          .putHeader("X-Okta-Request-Id", "0123456789abcdef0123456789abcdef");
      if (req.path().equals("/api/v1/authn/cancel")) {
        cancelled.add(body.toJsonObject().getString("stateToken"));
        req.response().end("{}");
      } else if (req.path().equals("/api/v1/authn")) {
        received.add(body.toJsonObject());
        JsonObject example = answer.get();
        JsonObject headers = example.getJsonObject("headers", new JsonObject());
        headers.fieldNames().forEach(name -> req.response().putHeader(name, headers.getString(name)));
        req.response().setStatusCode(example.getInteger("status")).end(example.getJsonObject("body").encode());
      } else {
        req.response().setStatusCode(404).end();
      }
    });
  }

  @Test
  void every_documented_answer_is_read_as_what_it_means() {
    List<String> cases = AuthnExamples.cases();
    assertThat(KINDS.keySet()).as("a kind for every example of fixture 20").containsExactlyInAnyOrderElementsOf(cases);
    OktaClient client = OktaSims.client(vertx);
    for (String c : cases) {
      JsonObject example = AuthnExamples.example(c, base);
      answer.set(example);
      cancelled.clear();
      OktaOrg org = client.org(new OktaApp("fixture-20", base, "0oaDocumentedAuthn01"), Usage.named(c));

      AuthnOutcome outcome = Await.result(org.authn("dade.murphy+" + cases.indexOf(c) + "@example.com",
          "correcthorsebatterystaple"));

      assertThat(outcome.kind()).as(c).isEqualTo(KINDS.get(c));
      assertThat(outcome.requestId()).as(c).isEqualTo("0123456789abcdef0123456789abcdef");
      JsonObject body = example.getJsonObject("body");
      if (outcome instanceof AuthnOutcome.Valid valid) {
        assertThat(valid.status()).as(c).isEqualTo(body.getString("status"));
      }
      if (outcome instanceof AuthnOutcome.RateLimited limited) {
        assertThat(limited.perUsername()).as(c + ": X-Rate-Limit-Limit 1 is the per-username throttle").isTrue();
      }
      String stateToken = body.getString("stateToken");
      assertThat(cancelled).as(c + ": the state token is cancelled")
          .isEqualTo(stateToken == null ? List.of() : List.of(stateToken));
    }
    assertThat(received).hasSize(cases.size()).allSatisfy(r -> assertThat(r.getString("password")).isNotEmpty());
  }
}
