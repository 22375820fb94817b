package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A leaked password waits, sealed, at most 14 days (the default) for its check: then it is
 * erased, the check ends PASSWORD_ERASED and is never tried; within the bound it is tried as usual.
 */
class PasswordRetentionTest {

  static CheckHarness h;

  @BeforeAll
  static void start() {
    h = CheckHarness.start(CheckHarness.setup().maxDaily(1));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void a_password_still_waiting_after_fourteen_days_is_erased_and_its_check_ends_PASSWORD_ERASED() {
    CheckHarness.User u = h.user("forgotten");
    h.check(u.login(), "first-wrong"); // spends the day's one attempt
    CredentialCheck waiting = h.check(u.login(), "second-wrong");
    assertThat(waiting.getOutcome()).as(waiting.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
    assertThat(sealed(waiting)).as("the password is kept, sealed, while the check waits").isTrue();

    h.clock.advance(Duration.ofDays(14).plusMinutes(2));
    CredentialCheck erased = h.awaitCheck(waiting.getCheckId(), CheckHarness::decided);

    assertThat(erased.getOutcome()).as(erased.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_PASSWORD_ERASED);
    assertThat(erased.getDetail()).contains("waited 14 days undecided and was erased").contains("THROTTLED")
        .contains("daily cap");
    assertThat(sealed(erased)).isFalse();
    assertThat(h.sim.counters().authnCalls(u.login())).as("never tried after the first").isEqualTo(1);
    Row audit = Await.result(h.pool.preparedQuery("""
        SELECT actor, outcome, detail::text FROM audit_events
        WHERE tenant_id = $1 AND action = 'credential_check.password_erased' AND detail->>'check_id' = $2
        """).execute(Tuple.of(h.tenant, erased.getCheckId()))).iterator().next();
    assertThat(audit.getString("outcome")).isEqualTo("PASSWORD_ERASED");
    assertThat(audit.getString("detail")).contains("\"retention_days\": 14").doesNotContain("second-wrong");
  }

  @Test
  void within_fourteen_days_a_waiting_password_is_tried_as_usual() {
    CheckHarness.User u = h.user("patient");
    h.check(u.login(), "first-wrong");
    CredentialCheck waiting = h.check(u.login(), "second-wrong");
    assertThat(waiting.getOutcome()).as(waiting.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);

    h.clock.advance(Duration.ofDays(13));
    CredentialCheck tried = h.awaitCheck(waiting.getCheckId(), CheckHarness::decided);

    assertThat(tried.getOutcome()).as(tried.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(2);
  }

  private static boolean sealed(CredentialCheck c) {
    return Await.result(h.pool.preparedQuery(
            "SELECT password_ciphertext IS NOT NULL FROM credential_checks WHERE check_id = $1")
        .execute(Tuple.of(UUID.fromString(c.getCheckId())))).iterator().next().getBoolean(0);
  }
}
