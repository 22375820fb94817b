package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.oktasim.SimUser;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Okta's failed-attempt counter survives midnight, so a daily cap alone locks out a dormant user
 * within days. Ten simulated days of 50 wrong leaked passwords a day, with a lockout threshold of
 * 5: the user is never locked (at most 2 of our failures between sign-ins); once the user signs
 * in, attempts resume.
 */
class LockoutBudgetTest {

  @Test
  void ten_days_of_fifty_wrong_passwords_never_lock_a_dormant_user_and_attempts_resume_after_a_sign_in()
      throws Exception {
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().maxDaily(2).lockoutThreshold(5))) {
      h.sim.lockoutPolicy(5, false);
      CheckHarness.User u = h.user("dormant");
      h.sim.setLastLogin(u.oktaUserId(), h.clock.instant().minus(Duration.ofDays(90)));

      for (int day = 1; day <= 10; day++) {
        for (int i = 0; i < 50; i++) {
          CredentialCheck c = h.check(u.login(), "day" + day + "-wrong-" + i);
          assertThat(c.getOutcome()).as(c.getDetail()).isIn(CheckOutcome.CHECK_OUTCOME_INVALID,
              CheckOutcome.CHECK_OUTCOME_THROTTLED, CheckOutcome.CHECK_OUTCOME_PENDING);
        }
        h.awaitQuiet();
        SimUser okta = h.sim.user(u.oktaUserId()).orElseThrow();
        assertThat(okta.status()).as("day " + day).isEqualTo("ACTIVE");
        assertThat(okta.failedAttempts()).as("day " + day).isLessThanOrEqualTo(2);
        assertThat(h.sim.counters().authnCalls(u.login())).as("day " + day).isEqualTo(2);
        h.clock.advance(Duration.ofDays(1)); // every throttled check wakes: at midnight, or for its budget re-check
        h.awaitQuiet();
      }
      assertThat(h.outcomes()).containsEntry("INVALID", 2L).containsEntry("THROTTLED", 498L);
      CredentialCheck throttled = h.checks().listCredentialChecks(io.flare.iem.v1.ListCredentialChecksRequest
          .newBuilder().setTenantId(h.tenant).setOutcome(CheckOutcome.CHECK_OUTCOME_THROTTLED).setPageSize(1).build())
          .getChecks(0);
      assertThat(throttled.getDetail()).contains("lockout budget spent").contains("threshold of 5");

      signIn(h, u);
      h.clock.advance(Duration.ofHours(1)); // budget-throttled checks look again for a sign-in
      h.awaitQuiet();

      assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(2 + 1 + 2); // + the sign-in itself
      SimUser okta = h.sim.user(u.oktaUserId()).orElseThrow();
      assertThat(okta.status()).isEqualTo("ACTIVE");
      assertThat(okta.failedAttempts()).isEqualTo(2);
      assertThat(h.outcomes()).containsEntry("INVALID", 4L).containsEntry("THROTTLED", 496L);
    }
  }

  @Test
  void with_the_lockout_threshold_unknown_a_generous_daily_cap_still_stops_at_four_failures_between_sign_ins() {
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().maxDaily(10)
        .sim(o -> o.scopes("okta.users.read", "okta.users.manage")))) { // no okta.policies.read: unknown
      CheckHarness.User u = h.user("unknown-threshold");
      h.sim.setLastLogin(u.oktaUserId(), h.clock.instant().minus(Duration.ofDays(90)));

      for (int day = 1; day <= 3; day++) {
        for (int i = 0; i < 12; i++) {
          h.check(u.login(), "day" + day + "-wrong-" + i);
        }
        h.awaitQuiet();
        h.clock.advance(Duration.ofDays(1));
        h.awaitQuiet();
      }

      SimUser okta = h.sim.user(u.oktaUserId()).orElseThrow();
      assertThat(okta.failedAttempts()).as("under half of Okta's default threshold of 10; outcomes %s, 429s %s",
          h.outcomes(), h.sim.counters().served429()).isEqualTo(4);
      assertThat(okta.status()).isEqualTo("ACTIVE");
      assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(4);
    }
  }

  @Test
  void an_unlock_restarts_the_budget_and_a_locked_user_is_never_tried() {
    Instant start = Instant.now().minus(Duration.ofHours(1));
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().clock(new io.flare.iem.testing.MutableClock(start))
        .maxDaily(5).lockoutThreshold(5))) {
      h.sim.lockoutPolicy(5, false);
      CheckHarness.User u = h.user("unlocked");
      h.check(u.login(), "wrong-1");
      h.check(u.login(), "wrong-2");
      CredentialCheck waiting = h.check(u.login(), "wrong-3");
      assertThat(waiting.getOutcome()).as(waiting.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
      assertThat(waiting.getDetail()).contains("lockout budget spent");

      h.sim.lock(u.oktaUserId()); // locked by someone else's attempts
      h.clock.set(Instant.now().minus(Duration.ofMinutes(30)));
      CredentialCheck locked = h.check(u.login(), "wrong-4");
      assertThat(locked.getOutcome()).as(locked.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_LOCKED_OUT);

      h.sim.unlock(u.oktaUserId()); // an admin unlocks: Okta's counter starts again
      h.clock.set(Instant.now().plus(Duration.ofHours(2))); // the budget re-check is due
      CredentialCheck later = h.awaitCheck(waiting.getCheckId(), CheckHarness::decided);

      assertThat(later.getOutcome()).as(later.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(3);
      assertThat(h.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("ACTIVE");
    }
  }

  /** The employee signs in with the right password (Okta resets its counter), at the service's now. */
  private static void signIn(CheckHarness h, CheckHarness.User u) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(h.sim.baseUrl() + "/api/v1/authn"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("username", u.login())
            .put("password", u.password()).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(h.sim.user(u.oktaUserId()).orElseThrow().failedAttempts()).isZero();
    Instant now = h.clock.instant();
    h.sim.setLastLogin(u.oktaUserId(), now); // the simulator stamps real time; the service runs ten days ahead
  }
}
