package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** {@link LifetimeBudgetGate}: failures since the last sign-in against half the lockout threshold. */
class LifetimeBudgetGateTest {

  static final Duration RECHECK = Duration.ofHours(1);
  final LifetimeBudgetGate gate = new LifetimeBudgetGate(Clock.fixed(Candidates.NOW, ZoneOffset.UTC), RECHECK);

  @Test
  void under_half_the_threshold_the_check_goes_on() {
    Candidates c = new Candidates();
    c.lockoutThreshold = 10;
    c.counts = new AttemptRepository.Counts(0, 4);
    assertThat(gate.judge(c.build()).result()).isEqualTo(Verdict.PROCEED);
  }

  @Test
  void at_half_the_threshold_the_check_is_throttled_until_the_next_look_for_a_sign_in() {
    Candidates c = new Candidates();
    c.lockoutThreshold = 10;
    c.counts = new AttemptRepository.Counts(0, 5);
    assertThat(gate.judge(c.build()).result()).isInstanceOfSatisfying(Verdict.Throttle.class, t -> {
      assertThat(t.reason()).isEqualTo(CheckMetrics.Throttle.LOCKOUT_BUDGET);
      assertThat(t.until()).isEqualTo(Candidates.NOW.plus(RECHECK));
      assertThat(t.detail()).contains("lockout budget spent").contains("threshold of 10").contains("5 failed");
    });
  }

  @Test
  void with_the_threshold_unknown_the_budget_is_the_daily_cap() {
    Candidates c = new Candidates();
    c.maxDaily = 3;
    c.counts = new AttemptRepository.Counts(0, 2);
    assertThat(gate.judge(c.build()).result()).isEqualTo(Verdict.PROCEED);
    c.counts = new AttemptRepository.Counts(0, 3);
    assertThat(gate.judge(c.build()).result()).isInstanceOfSatisfying(Verdict.Throttle.class,
        t -> assertThat(t.detail()).contains("the daily cap"));
  }

  @Test
  void the_attempts_are_read_once_for_every_gate_that_counts_them() {
    Candidates c = new Candidates();
    Candidate candidate = c.build();
    gate.judge(candidate);
    candidate.attempts();
    assertThat(c.attemptReads).hasValue(1);
  }
}
