package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.oktasim.SimBucket;
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
import org.junit.jupiter.api.Test;

/**
 * An authn call counts against a user's daily cap (in Postgres and in Redis) and lifetime budget
 * only when Okta evaluated the password. A 429 of the org's bucket is recorded (attempt row and
 * audit row, with Okta's request id) and given back; the per-username 429 and the 403 of a blocked
 * address are covered by {@link PerUsernameThrottleTest} and {@link BlockedAddressTest}.
 */
class NotEvaluatedAttemptsTest {

  @Test
  void an_org_429_is_recorded_but_spends_neither_the_daily_cap_nor_the_lockout_budget() {
    MutableClock clock = new MutableClock(LocalDate.now(ZoneOffset.UTC).atTime(9, 0).toInstant(ZoneOffset.UTC));
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().clock(clock).maxDaily(1).lockoutThreshold(10))) {
      CheckHarness.User u = h.user("storm");
      h.sim.faults().force429(Duration.ofSeconds(2), SimBucket.AUTHN);

      CredentialCheck c = h.check(u.login(), "wrong-1");

      assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_PENDING);
      assertThat(c.getDetail()).contains("429");
      assertThat(attemptResults(h, u.identityId())).containsExactly("RATE_LIMITED");

      clock.advance(Duration.ofMinutes(1)); // the storm is over by the time a worker's call leaves
      CredentialCheck later = h.awaitCheck(c.getCheckId(),
          check -> check.getOutcome() != CheckOutcome.CHECK_OUTCOME_PENDING);

      assertThat(later.getOutcome()).as("the cap of 1 is still there: %s", later.getDetail())
          .isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(c.getAttemptsMade()).isZero();
      assertThat(later.getAttemptsMade()).isEqualTo(1);
      assertThat(attemptResults(h, u.identityId())).containsExactly("RATE_LIMITED", "INVALID");
      assertThat(auditedOutcomes(h, u.identityId())).containsExactly("RATE_LIMITED", "INVALID");
      CredentialCheck next = h.check(u.login(), "wrong-2");
      assertThat(next.getOutcome()).as("the evaluated attempt spent the cap").isEqualTo(
          CheckOutcome.CHECK_OUTCOME_THROTTLED);
      assertThat(next.getDetail()).contains("daily cap");
    }
  }

  static List<String> attemptResults(CheckHarness h, UUID identityId) {
    List<String> out = new ArrayList<>();
    for (Row r : Await.result(h.pool.preparedQuery(
        "SELECT result FROM authn_attempts WHERE identity_id = $1 ORDER BY attempt_id").execute(Tuple.of(identityId)))) {
      out.add(r.getString(0));
    }
    return out;
  }

  static List<String> auditedOutcomes(CheckHarness h, UUID identityId) {
    List<String> out = new ArrayList<>();
    for (Row r : Await.result(h.pool.preparedQuery("""
        SELECT outcome FROM audit_events WHERE identity_id = $1 AND action = 'credential_check.authn'
          AND okta_request_id <> '' ORDER BY audit_event_id""").execute(Tuple.of(identityId)))) {
      out.add(r.getString(0));
    }
    return out;
  }
}
