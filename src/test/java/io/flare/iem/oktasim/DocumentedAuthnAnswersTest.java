package io.flare.iem.oktasim;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.AuthnExamples;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.StrictJson;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Okta's own {@code /api/v1/authn} answers (fixture 20, the authn reference's examples) against the
 * simulator: for every example, the simulator is driven into the state the example shows (the
 * documented user, with the documented factors, policy and lockout setting), sent the documented
 * request, and its answer compared with {@link StrictJson}: status, the headers the example
 * records, and the body field by field and element by element. Only per-request values (tokens,
 * ids, instants) are compared by format.
 */
class DocumentedAuthnAnswersTest {

  static final String LOGIN = "dade.murphy@example.com";
  static final Instant DOCUMENTED_PASSWORD_CHANGE = Instant.parse("2015-09-08T20:14:45.000Z");
  static Vertx vertx;
  OktaSimulator sim;
  SimUser dade;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    Await.result(vertx.close());
  }

  @BeforeEach
  void org() {
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(5).seed(20).mixedStatuses(false));
    dade = sim.addUser(LOGIN, "Dade", "Murphy", "ACTIVE");
    sim.setPasswordChanged(dade.id(), DOCUMENTED_PASSWORD_CHANGE);
  }

  @AfterEach
  void stop() {
    Await.result(sim.stop());
  }

  /** How to bring the simulator to each documented answer; every example in fixture 20 needs one. */
  Map<String, Supplier<AuthnExamples.Reply>> drivers() {
    Map<String, Supplier<AuthnExamples.Reply>> d = new LinkedHashMap<>();
    d.put("SUCCESS", () -> call(dade.password(), false));
    d.put("401 E0000004", () -> call("not-" + dade.password(), false));
    d.put("LOCKED_OUT", () -> {
      sim.lockoutPolicy(10, true); // "show lockout failures"
      sim.lock(dade.id());
      return call(dade.password(), false);
    });
    d.put("PASSWORD_EXPIRED", () -> {
      sim.setStatus(dade.id(), "PASSWORD_EXPIRED");
      return call(dade.password(), false);
    });
    d.put("MFA_REQUIRED", () -> {
      sim.setAuthnState(dade.id(), "MFA_REQUIRED");
      for (Object f : AuthnExamples.example("MFA_REQUIRED", sim.baseUrl()).getJsonObject("body")
          .getJsonObject("_embedded").getJsonArray("factors")) {
        JsonObject factor = (JsonObject) f;
        sim.enrollFactor(dade.id(), factor.getString("factorType"), factor.getString("provider"),
            factor.getJsonObject("profile"));
      }
      return call(dade.password(), false);
    });
    d.put("MFA_ENROLL", () -> {
      sim.setAuthnState(dade.id(), "MFA_ENROLL");
      return call(dade.password(), false);
    });
    d.put("PASSWORD_WARN", () -> {
      sim.setAuthnState(dade.id(), "PASSWORD_WARN");
      sim.passwordMaxAgeDays(90);
      sim.setPasswordChanged(dade.id(), Instant.now().minus(Duration.ofDays(85)).truncatedTo(ChronoUnit.SECONDS)); // 5 days left, as documented
      return call(dade.password(), true);
    });
    d.put("429 E0000047", () -> {
      for (int i = 0; i < 12; i++) { // 4 a second per username: the fifth in a second is refused
        AuthnExamples.Reply r = call("not-" + dade.password(), false);
        if (r.status() == 429) {
          return r;
        }
      }
      throw new AssertionError("no 429 from the per-username throttle in 12 calls");
    });
    return d;
  }

  AuthnExamples.Reply call(String password, boolean warn) {
    return AuthnExamples.post(sim.baseUrl(), LOGIN, password, warn);
  }

  /** The comparison: every value equal except what is minted per request, compared by format. */
  static StrictJson matcher(String base) {
    return StrictJson.values()
        .format("$.stateToken", "00[0-9A-Za-z]{40}")
        .format("$.sessionToken", "[0-9A-Za-z_-]{40,64}")
        .instant("$.expiresAt")
        .format("$._embedded.user.id", "00u[0-9A-Za-z]{17}")
        .format("$._embedded.factors[*].id", "[a-z]{3}[0-9A-Za-z]{17}")
        .format("$._embedded.factors[*]._links.verify.href",
            Pattern.quote(base) + "/api/v1/authn/factors/[a-z]{3}[0-9A-Za-z]{17}/verify")
        .format("$.errorId", "oae[0-9A-Za-z_-]{22}");
  }

  @TestFactory
  Stream<DynamicTest> every_documented_authn_answer_is_the_simulators() {
    List<String> cases = AuthnExamples.cases();
    assertThat(drivers().keySet()).as("a driver for every example of fixture 20").containsExactlyElementsOf(cases);
    return cases.stream().map(c -> DynamicTest.dynamicTest(c, () -> {
      stop(); // a fresh org for each example; the last one is stopped after the factory
      org();
      compare(c, drivers().get(c).get(), matcher(sim.baseUrl()));
    }));
  }

  void compare(String c, AuthnExamples.Reply actual, StrictJson matcher) {
    JsonObject example = AuthnExamples.example(c, sim.baseUrl());
    assertThat(actual.status()).as(c + " status").isEqualTo(example.getInteger("status"));
    assertThat(actual.header("Content-Type")).as(c + " Content-Type").startsWith("application/json");
    assertThat(actual.header("X-Okta-Request-Id")).as(c + " X-Okta-Request-Id").matches("[0-9a-f]{32}");
    JsonObject headers = example.getJsonObject("headers", new JsonObject());
    for (String name : headers.fieldNames()) {
      String expected = headers.getString(name);
      if (name.equalsIgnoreCase("X-Rate-Limit-Reset")) { // epoch seconds, per request
        assertThat(actual.header(name)).as(c + " " + name).matches("\\d{10}");
        assertThat(Long.parseLong(actual.header(name))).isGreaterThanOrEqualTo(Instant.now().getEpochSecond());
      } else {
        assertThat(actual.header(name)).as(c + " " + name).isEqualTo(expected);
      }
    }
    if (c.equals("SUCCESS")) {
      // the documented SUCCESS omits _links; real traffic (fixture 06, 2025) carries _links.cancel,
      // which RecordedFixturesTest compares with the recording
      matcher.extra("$._links", "recorded in fixture 06");
    }
    if (c.equals("PASSWORD_WARN")) {
      matcher.instant("$._embedded.user.passwordChanged"); // 85 days ago, for the documented 5 days left
    }
    matcher.assertMatches(c, example.getJsonObject("body"), actual.json());
    JsonObject body = actual.json();
    if (body.containsKey("expiresAt")) { // a transaction lives 5 minutes
      Instant expiresAt = Instant.parse(body.getString("expiresAt"));
      assertThat(expiresAt).isBetween(Instant.now().plusSeconds(240), Instant.now().plusSeconds(301));
    }
    JsonArray factors = body.getJsonObject("_embedded", new JsonObject()).getJsonArray("factors");
    if (factors != null && c.equals("MFA_REQUIRED")) {
      for (Object f : factors) {
        JsonObject factor = (JsonObject) f;
        assertThat(factor.getJsonObject("_links").getJsonObject("verify").getString("href"))
            .isEqualTo(sim.baseUrl() + "/api/v1/authn/factors/" + factor.getString("id") + "/verify");
      }
    }
  }

  @Test
  void hidden_lockout_failures_answer_the_documented_401() {
    sim.lock(dade.id()); // the default password policy hides lockout failures
    compareAs("401 E0000004", call(dade.password(), false));
  }

  @Test
  void the_threshold_failure_answers_the_documented_locked_out_when_failures_are_shown() {
    sim.lockoutPolicy(3, true);
    call("wrong-1", false);
    call("wrong-2", false);
    compareAs("LOCKED_OUT", call("wrong-3", false));
  }

  @Test
  void an_expired_password_with_an_enrolled_factor_is_challenged_for_mfa_first() {
    sim.setStatus(dade.id(), "PASSWORD_EXPIRED");
    sim.setAuthnState(dade.id(), "MFA_REQUIRED");
    sim.enrollFactor(dade.id(), "sms", "OKTA", new JsonObject().put("phoneNumber", "+1 XXX-XXX-1337"));
    AuthnExamples.Reply r = call(dade.password(), false);
    assertThat(r.json().getString("status")).isEqualTo("MFA_REQUIRED");
    assertThat(r.json().getJsonObject("_embedded").getJsonArray("factors")).hasSize(1);
  }

  @Test
  void password_warn_only_for_a_caller_that_asks_to_be_warned() {
    sim.setAuthnState(dade.id(), "PASSWORD_WARN");
    AuthnExamples.Reply r = call(dade.password(), false);
    matcher(sim.baseUrl()).extra("$._links", "recorded in fixture 06")
        .assertMatches("SUCCESS", AuthnExamples.example("SUCCESS", sim.baseUrl()).getJsonObject("body"), r.json());
  }

  void compareAs(String c, AuthnExamples.Reply r) {
    compare(c, r, matcher(sim.baseUrl()));
  }
}
