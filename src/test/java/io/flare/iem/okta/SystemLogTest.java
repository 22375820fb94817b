package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the System Log says about a 401 from authn ({@link SystemLog}), and the three reads that tell a
 * wrong password from a denial, against a simulated org: the events of one request, the org's
 * pipeline, a user's blocks.
 */
class SystemLogTest {

  Vertx vertx;
  OktaSimulator sim;
  OktaOrg org;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(3).mixedStatuses(false)
        .scopes("okta.users.read", "okta.logs.read"));
    sim.systemLog().lag(Duration.ZERO);
    org = OktaSims.client(vertx).org(OktaSims.app(sim), Usage.named("test"));
  }

  @AfterEach
  void stop() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  static LogEvent event(String type, String result, String reason) {
    return new LogEvent(type, "", result, reason, "r1");
  }

  static AuthnOutcome explain(LogEvent... events) {
    return SystemLog.explain(new AuthnOutcome.Invalid("r1"), List.of(events)).orElse(null);
  }

  @Test
  void invalid_credentials_confirm_the_rejection() {
    assertThat(explain(event("user.session.start", "FAILURE", "INVALID_CREDENTIALS")))
        .isInstanceOfSatisfying(AuthnOutcome.Invalid.class, i -> {
          assertThat(i.confirmed()).isTrue();
          assertThat(i.note()).contains("INVALID_CREDENTIALS");
        });
  }

  @Test
  void a_sign_on_policy_or_blocked_request_is_a_denial_that_says_nothing_of_the_password() {
    assertThat(explain(event("policy.evaluate_sign_on", "DENY", "Sign-on policy evaluation resulted in DENY")))
        .isInstanceOfSatisfying(AuthnOutcome.Denied.class, d -> assertThat(d.reason()).contains("resulted in DENY"));
    assertThat(explain(event("security.request.blocked", "FAILURE", null))).isInstanceOf(AuthnOutcome.Denied.class);
  }

  @Test
  void a_lockout_wins_over_everything_and_wrong_credentials_over_a_denial() {
    assertThat(explain(event("user.session.start", "FAILURE", "LOCKED_OUT"))).isInstanceOf(AuthnOutcome.LockedOut.class);
    assertThat(explain(event("user.session.start", "FAILURE", "INVALID_CREDENTIALS"),
        event("user.account.lock", "SUCCESS", null))).isInstanceOf(AuthnOutcome.LockedOut.class);
    assertThat(explain(event("policy.evaluate_sign_on", "DENY", "x"),
        event("user.session.start", "FAILURE", "INVALID_CREDENTIALS"))).isInstanceOf(AuthnOutcome.Invalid.class);
  }

  @Test
  void no_event_or_an_inconclusive_one_explains_nothing() {
    assertThat(explain()).isNull();
    assertThat(explain(event("user.session.start", "FAILURE", "VERIFICATION_ERROR"))).isNull();
    assertThat(SystemLog.summary(List.of(event("user.session.start", "FAILURE", "VERIFICATION_ERROR"))))
        .contains("VERIFICATION_ERROR");
  }

  @Test
  void events_of_other_requests_are_not_taken() {
    JsonArray answer = new JsonArray()
        .add(new JsonObject().put("eventType", "user.session.start")
            .put("outcome", new JsonObject().put("result", "FAILURE").put("reason", "INVALID_CREDENTIALS"))
            .put("transaction", new JsonObject().put("id", "another")));
    assertThat(SystemLog.events(answer, "r1")).isEmpty();
  }

  @Test
  void only_an_okta_request_id_goes_into_a_filter() {
    assertThat(SystemLog.isRequestId("aB3-_x@.9")).isTrue();
    assertThat(SystemLog.isRequestId("x\" or eventType sw \"")).isFalse();
    assertThat(SystemLog.isRequestId(null)).isFalse();
  }

  @Test
  void the_events_of_one_authn_request_are_found_by_its_request_id() {
    String login = sim.user(1).orElseThrow().login();
    AuthnOutcome.Invalid wrong = (AuthnOutcome.Invalid) Await.result(org.authn(login, "not-the-password"));
    Await.result(org.authn(login, "another-wrong-one"));

    List<LogEvent> events = Await.result(org.requestEvents(wrong.requestId(), null));

    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.eventType()).isEqualTo("user.session.start");
      assertThat(e.result()).isEqualTo("FAILURE");
      assertThat(e.reason()).isEqualTo("INVALID_CREDENTIALS");
      assertThat(e.transactionId()).isEqualTo(wrong.requestId());
    });
  }

  @Test
  void the_system_log_shows_an_event_only_after_its_lag() {
    sim.systemLog().lag(Duration.ofMinutes(5));
    AuthnOutcome.Invalid wrong = (AuthnOutcome.Invalid) Await.result(org.authn(sim.user(1).orElseThrow().login(),
        "not-the-password"));

    assertThat(Await.result(org.requestEvents(wrong.requestId(), null))).isEmpty();
  }

  @Test
  void without_okta_logs_read_the_system_log_is_refused_as_a_missing_scope() {
    sim.app().revokeScopes("okta.logs.read");

    var read = org.requestEvents("0123456789abcdef0123456789abcdef", null);
    Await.result(read.otherwiseEmpty());

    assertThat(read.cause()).isInstanceOfSatisfying(OktaException.class,
        e -> assertThat(e.kind()).isEqualTo(OktaException.Kind.INVALID_SCOPE));
  }

  @Test
  void the_org_pipeline_is_read_from_its_public_metadata() {
    assertThat(Await.result(org.setup().organization()).pipeline()).isEqualTo(OrgMetadata.Pipeline.CLASSIC);
    sim.identityEngine(true);
    OrgMetadata metadata = Await.result(org.setup().organization());
    assertThat(metadata.pipeline()).isEqualTo(OrgMetadata.Pipeline.IDENTITY_ENGINE);
    assertThat(metadata.id()).startsWith("00o");
  }

  @Test
  void a_users_blocks_are_read_on_identity_engine() {
    sim.identityEngine(true);
    String id = sim.userId(1);
    assertThat(Await.result(org.userBlocks(id))).isEmpty();

    sim.userBlocks().blockUnknownDevices(id);

    assertThat(Await.result(org.userBlocks(id))).containsExactly(new UserBlock("DEVICE_BASED", "UNKNOWN_DEVICES"));
  }
}
