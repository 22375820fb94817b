package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.okta.AuthnOutcome;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.Usage;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AuthnConfirmation} against a simulated org whose app may read the System Log: each 401 of
 * authn is explained by the events of its request, read on timers within the bound.
 */
class AuthnConfirmationTest {

  final CheckSettings settings = CheckSettings.defaults(0.2, 1);
  Vertx vertx;
  OktaSimulator sim;
  OktaOrg org;
  AuthnConfirmation confirmation;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(3).mixedStatuses(false)
        .scopes("okta.users.read", "okta.logs.read"));
    sim.systemLog().lag(Duration.ofMillis(300));
    org = OktaSims.client(vertx).org(OktaSims.app(sim), Usage.named("credential-check"));
    confirmation = new AuthnConfirmation(vertx, new OrgPipelines(), settings);
  }

  @AfterEach
  void stop() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  AuthnOutcome attempt(int user, String password) {
    String id = sim.userId(user);
    AuthnOutcome outcome = Await.result(org.authn(sim.user(id).orElseThrow().login(), password));
    return Await.result(confirmation.confirm(org, id, outcome));
  }

  @Test
  void a_wrong_password_is_confirmed() {
    assertThat(attempt(0, "not-the-password")).isInstanceOfSatisfying(AuthnOutcome.Invalid.class,
        i -> assertThat(i.confirmed()).isTrue());
  }

  @Test
  void a_right_password_behind_a_sign_on_policy_deny_is_a_denial() {
    sim.signOnPolicy().deny(sim.userId(0));

    assertThat(attempt(0, sim.password(sim.userId(0)))).isInstanceOfSatisfying(AuthnOutcome.Denied.class,
        d -> assertThat(d.reason()).contains("Sign-on policy evaluation resulted in DENY"));
  }

  @Test
  void a_hidden_lockout_is_LOCKED_OUT() {
    sim.lock(sim.userId(0));

    assertThat(attempt(0, sim.password(sim.userId(0)))).isInstanceOf(AuthnOutcome.LockedOut.class);
  }

  @Test
  void a_block_of_unknown_devices_on_identity_engine_is_a_device_denial_not_a_lockout() {
    sim.identityEngine(true);
    sim.userBlocks().blockUnknownDevices(sim.userId(0));

    assertThat(attempt(0, sim.password(sim.userId(0)))).isInstanceOfSatisfying(AuthnOutcome.Denied.class,
        d -> assertThat(d.reason()).contains("unknown devices", "UNKNOWN_DEVICES"));
  }

  @Test
  void a_valid_answer_is_left_as_it_is_and_the_log_not_read() {
    assertThat(attempt(0, sim.password(sim.userId(0)))).isInstanceOf(AuthnOutcome.Valid.class);
    assertThat(sim.counters().requests("GET /api/v1/logs")).isZero();
  }

  @Test
  void a_log_slower_than_the_bound_leaves_the_rejection_unconfirmed_within_the_bound() {
    sim.systemLog().lag(Duration.ofMinutes(1));
    long started = System.nanoTime();

    AuthnOutcome outcome = attempt(0, "not-the-password");

    assertThat(outcome).isInstanceOfSatisfying(AuthnOutcome.Invalid.class, i -> {
      assertThat(i.confirmed()).isFalse();
      assertThat(i.note()).contains("no System Log event");
    });
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(settings.logConfirmWait().plusSeconds(3));
  }

  @Test
  void without_the_scope_the_rejection_is_unconfirmed_and_the_org_is_not_asked_again_at_once() {
    sim.app().revokeScopes("okta.logs.read");

    AuthnOutcome first = attempt(0, "not-the-password");
    long tokenRequests = sim.counters().requests("POST /oauth2/v1/token");
    AuthnOutcome second = attempt(1, "not-the-password");

    assertThat(first).isInstanceOfSatisfying(AuthnOutcome.Invalid.class,
        i -> assertThat(i.note()).contains("okta.logs.read is not granted"));
    assertThat(second).isInstanceOfSatisfying(AuthnOutcome.Invalid.class, i -> assertThat(i.confirmed()).isFalse());
    assertThat(sim.counters().requests("POST /oauth2/v1/token")).isEqualTo(tokenRequests);
  }
}
