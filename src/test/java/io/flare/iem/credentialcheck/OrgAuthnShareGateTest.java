package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.okta.AuthnOutcome;
import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.Usage;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link OrgAuthnShareGate} with a simulated org whose authn limit is 10 a window: checks keep to
 * their 20 % share of it, the rest stays with employees signing in.
 */
class OrgAuthnShareGateTest {

  static final double SHARE = 0.2;
  final OrgAuthnShareGate gate = new OrgAuthnShareGate(Clock.fixed(Candidates.NOW, ZoneOffset.UTC), SHARE);
  Vertx vertx;
  OktaSimulator sim;
  OktaOrg org;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(3).rateLimitWindow(Duration.ofMinutes(5)));
    sim.limit(SimBucket.AUTHN, 10);
    org = OktaSims.client(vertx).org(OktaSims.app(sim),
        Usage.named("credential-check").withShare(Bucket.AUTHN, SHARE));
  }

  @AfterEach
  void stop() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  Verdict judge(CheckPipeline.Mode mode) {
    Candidates c = new Candidates();
    c.mode = mode;
    c.org = org;
    return Await.result(gate.judge(c.build()));
  }

  void signInAttempt() {
    assertThat(Await.result(org.authn(sim.user(0).orElseThrow().login(), "not-the-password")))
        .isInstanceOf(AuthnOutcome.Invalid.class);
  }

  @Test
  void within_the_share_a_check_goes_on() {
    assertThat(judge(CheckPipeline.Mode.INLINE)).isEqualTo(Verdict.PROCEED);
    signInAttempt(); // 9 of 10 left: one more fits in the 20 %
    assertThat(judge(CheckPipeline.Mode.INLINE)).isEqualTo(Verdict.PROCEED);
  }

  @Test
  void with_the_share_spent_an_inline_check_is_queued_and_a_worker_waits_its_turn() {
    signInAttempt();
    signInAttempt(); // 8 of 10 left: the other 80 % are the employees'

    assertThat(judge(CheckPipeline.Mode.INLINE)).isInstanceOfSatisfying(Verdict.Queue.class, q -> {
      assertThat(q.detail()).contains("20% of Okta's sign-in rate limit");
      assertThat(q.until()).isEqualTo(Candidates.NOW);
    });
    assertThat(judge(CheckPipeline.Mode.WORKER)).isEqualTo(Verdict.PROCEED);
  }
}
