package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gates that look at the user as Okta shows it now: {@link InactiveUserGate} and
 * {@link StaleLeakGate}. Pure: no Okta, no database.
 */
class UserStateGatesTest {

  static Verdict judge(Gate gate, Candidates c) {
    return gate.judge(c.build()).result();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ACTIVE", "PASSWORD_EXPIRED", "RECOVERY"})
  void users_who_can_sign_in_are_tried(String status) {
    Candidates c = new Candidates();
    c.status = status;
    assertThat(judge(new InactiveUserGate(), c)).isEqualTo(Verdict.PROCEED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"SUSPENDED", "DEPROVISIONED", "STAGED", "PROVISIONED"})
  void users_who_cannot_sign_in_are_skipped_as_inactive(String status) {
    Candidates c = new Candidates();
    c.status = status;
    Verdict verdict = judge(new InactiveUserGate(), c);
    assertThat(verdict).isInstanceOfSatisfying(Verdict.Skip.class, skip -> {
      assertThat(skip.reason()).isEqualTo(StoredCheck.SkipReason.INACTIVE);
      assertThat(skip.detail()).contains(status);
    });
    assertThat(((Verdict.Stop) verdict).result(Candidates.NOW).outcome()).isEqualTo(StoredCheck.Outcome.SKIPPED);
  }

  @Test
  void a_locked_out_user_stops_every_attempt() {
    Candidates c = new Candidates();
    c.status = "LOCKED_OUT";
    Verdict verdict = judge(new InactiveUserGate(), c);
    assertThat(verdict).isInstanceOf(Verdict.LockedOut.class);
    CheckRepository.Result result = ((Verdict.Stop) verdict).result(Candidates.NOW);
    assertThat(result.outcome()).isEqualTo(StoredCheck.Outcome.LOCKED_OUT);
    assertThat(result.decideTime()).isEqualTo(Candidates.NOW);
  }

  @Test
  void a_password_changed_after_the_leak_is_skipped_as_stale() {
    Candidates c = new Candidates();
    c.leakedTime = Instant.parse("2026-01-01T00:00:00Z");
    c.passwordChanged = Instant.parse("2026-02-01T00:00:00Z");
    assertThat(judge(new StaleLeakGate(), c)).isInstanceOfSatisfying(Verdict.Skip.class,
        skip -> assertThat(skip.reason()).isEqualTo(StoredCheck.SkipReason.STALE));
  }

  @Test
  void a_password_changed_before_the_leak_or_at_an_unknown_time_is_tried() {
    Candidates before = new Candidates();
    before.leakedTime = Instant.parse("2026-03-01T00:00:00Z");
    before.passwordChanged = Instant.parse("2026-02-01T00:00:00Z");
    assertThat(judge(new StaleLeakGate(), before)).isEqualTo(Verdict.PROCEED);

    Candidates undatedLeak = new Candidates();
    undatedLeak.passwordChanged = Instant.parse("2026-02-01T00:00:00Z");
    assertThat(judge(new StaleLeakGate(), undatedLeak)).isEqualTo(Verdict.PROCEED);

    Candidates neverChanged = new Candidates();
    neverChanged.leakedTime = Instant.parse("2026-03-01T00:00:00Z");
    assertThat(judge(new StaleLeakGate(), neverChanged)).isEqualTo(Verdict.PROCEED);
  }
}
