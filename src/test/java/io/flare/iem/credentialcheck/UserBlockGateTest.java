package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.Usage;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link UserBlockGate} against a simulated org: on Identity Engine, a user Okta blocks for unknown
 * devices is THROTTLED without an attempt and looked at again later; Classic Engine orgs are not asked.
 */
class UserBlockGateTest {

  static final String BLOCKS = "GET /api/v1/users/{id}/blocks";
  final CheckSettings settings = CheckSettings.defaults(0.2, 1);
  final UserBlockGate gate = new UserBlockGate(new OrgPipelines(), Clock.fixed(Candidates.NOW, ZoneOffset.UTC),
      settings);
  Vertx vertx;
  OktaSimulator sim;
  OktaOrg org;
  String userId;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(3).mixedStatuses(false).identityEngine(true));
    org = OktaSims.client(vertx).org(OktaSims.app(sim), Usage.named("credential-check"));
    userId = sim.userId(1);
  }

  @AfterEach
  void stop() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  Verdict judge() {
    Candidates c = new Candidates();
    c.org = org;
    c.oktaUserId = userId;
    return Await.result(gate.judge(c.build()));
  }

  @Test
  void a_user_okta_does_not_block_goes_on() {
    assertThat(judge()).isEqualTo(Verdict.PROCEED);
    assertThat(sim.counters().requests(BLOCKS)).isEqualTo(1);
  }

  @Test
  void a_user_blocked_for_unknown_devices_is_throttled_without_an_attempt_and_looked_at_again_later() {
    sim.userBlocks().blockUnknownDevices(userId);

    assertThat(judge()).isInstanceOfSatisfying(Verdict.Throttle.class, t -> {
      assertThat(t.reason()).isEqualTo(CheckMetrics.Throttle.USER_BLOCKED);
      assertThat(t.until()).isEqualTo(Candidates.NOW.plus(settings.blockRecheck()));
      assertThat(t.detail()).contains("UNKNOWN_DEVICES");
    });
    assertThat(sim.counters().authnCalls()).isZero();

    sim.userBlocks().clear(userId);
    assertThat(judge()).isEqualTo(Verdict.PROCEED);
  }

  @Test
  void a_user_blocked_on_any_device_is_locked_out() {
    sim.lock(userId);

    assertThat(judge()).isInstanceOf(Verdict.LockedOut.class);
  }

  @Test
  void a_classic_engine_org_has_no_blocks_and_is_not_asked() {
    sim.identityEngine(false);
    sim.userBlocks().blockUnknownDevices(userId); // cannot apply on Classic Engine

    assertThat(judge()).isEqualTo(Verdict.PROCEED);
    assertThat(sim.counters().requests(BLOCKS)).isZero();
  }

  @Test
  void blocks_okta_does_not_show_stop_the_check_as_unverified() {
    sim.app().revokeScopes("okta.users.read");

    assertThat(judge()).isInstanceOfSatisfying(Verdict.Unverified.class,
        u -> assertThat(u.detail()).contains("could not be asked for the user's blocks"));
  }
}
