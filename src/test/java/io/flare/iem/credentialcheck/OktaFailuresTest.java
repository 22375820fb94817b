package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Okta answering 5xx, too late or ambiguously gives UNVERIFIED, never INVALID: the check keeps
 * its sealed password and is tried again later (with a new reservation: the call itself is never
 * retried), and the unknown attempt counts as a failure for the lockout budget. The faults are
 * injected on {@code /api/v1/authn} only, by a proxy in front of the simulated org.
 */
class OktaFailuresTest {

  static CheckHarness h;
  static FaultyOkta proxy;

  @BeforeAll
  static void start() {
    MutableClock clock = new MutableClock(LocalDate.now(ZoneOffset.UTC).atTime(9, 0).toInstant(ZoneOffset.UTC));
    h = CheckHarness.start(CheckHarness.setup().clock(clock).maxDaily(5).lockoutThreshold(4)
        .env("IEM_OKTA_REQUEST_TIMEOUT_SECONDS", "1")
        .oktaDomain((vertx, sim) -> {
          proxy = FaultyOkta.start(vertx, sim.port());
          return proxy.baseUrl();
        }));
  }

  @AfterAll
  static void stop() {
    Await.result(proxy.stop());
    h.close();
  }

  @BeforeEach
  void no_fault() {
    proxy.fault = FaultyOkta.Fault.NONE;
  }

  @Test
  void a_5xx_answer_is_UNVERIFIED_never_INVALID_and_the_check_is_tried_again_later() {
    CheckHarness.User u = h.user("five-hundred");
    proxy.fault = FaultyOkta.Fault.HTTP_503;
    int before = proxy.authnRequests.get();

    CredentialCheck c = h.check(u.login(), u.password()); // the right password

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
    assertThat(c.getAttemptsMade()).isEqualTo(1);
    assertThat(c.hasDecideTime()).isFalse();
    assertThat(c.getDetail()).contains("counted as a failed attempt");
    assertThat(proxy.authnRequests.get() - before).isEqualTo(1); // never retried under the reservation
    assertThat(attemptResults(u.identityId())).containsExactly("UNKNOWN");
    assertThat(auditedOutcomes(u.identityId())).containsExactly("UNKNOWN");

    proxy.fault = FaultyOkta.Fault.NONE;
    h.clock.advance(Duration.ofSeconds(31));
    CredentialCheck later = h.awaitCheck(c.getCheckId(), CheckHarness::decided);

    assertThat(later.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(later.getAttemptsMade()).isEqualTo(2);
    assertThat(attemptResults(u.identityId())).containsExactly("UNKNOWN", "VALID");
  }

  @Test
  void no_answer_within_the_timeout_is_UNVERIFIED_and_tried_again_later() {
    CheckHarness.User u = h.user("timeout");
    proxy.fault = FaultyOkta.Fault.TOO_SLOW;

    CredentialCheck c = h.check(u.login(), "wrong-" + u.password());

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
    assertThat(c.getDetail()).contains("no answer within");

    proxy.fault = FaultyOkta.Fault.NONE;
    h.clock.advance(Duration.ofSeconds(31));
    assertThat(h.awaitCheck(c.getCheckId(), CheckHarness::decided).getOutcome())
        .isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
  }

  @Test
  void an_answer_no_one_can_interpret_is_UNVERIFIED() {
    CheckHarness.User u = h.user("odd");
    proxy.fault = FaultyOkta.Fault.ODD_ANSWER;

    CredentialCheck c = h.check(u.login(), u.password());

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
    assertThat(c.getDetail()).contains("UNAUTHENTICATED");
  }

  @Test
  void unknown_answers_count_as_failures_for_the_lockout_budget() {
    CheckHarness.User u = h.user("budget"); // threshold 4: a budget of 2 failures between sign-ins
    proxy.fault = FaultyOkta.Fault.HTTP_503;
    List<CredentialCheck> checks = new ArrayList<>();
    checks.add(h.check(u.login(), "first"));
    checks.add(h.check(u.login(), "second"));
    proxy.fault = FaultyOkta.Fault.NONE;

    CredentialCheck third = h.check(u.login(), "third");

    assertThat(checks).extracting(CredentialCheck::getOutcome).containsOnly(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
    assertThat(third.getOutcome()).as(third.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
    assertThat(third.getDetail()).contains("lockout budget spent");
    assertThat(h.sim.counters().authnCalls(u.login())).isZero(); // Okta itself never saw one
  }

  private static List<String> attemptResults(UUID identityId) {
    List<String> out = new ArrayList<>();
    for (Row r : Await.result(h.pool.preparedQuery(
        "SELECT result FROM authn_attempts WHERE identity_id = $1 ORDER BY attempt_id").execute(Tuple.of(identityId)))) {
      out.add(r.getString(0));
    }
    return out;
  }

  private static List<String> auditedOutcomes(UUID identityId) {
    List<String> out = new ArrayList<>();
    for (Row r : Await.result(h.pool.preparedQuery("""
        SELECT outcome FROM audit_events WHERE identity_id = $1 AND action = 'credential_check.authn'
        ORDER BY audit_event_id""").execute(Tuple.of(identityId)))) {
      out.add(r.getString(0));
    }
    return out;
  }
}
