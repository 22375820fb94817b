package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The lockout budget's pure rules: its size and the window its failures are counted in. */
class LockoutBudgetRulesTest {

  static final Instant LOGIN = Instant.parse("2026-05-01T08:00:00Z");
  static final Instant SKEW = LOGIN.minus(LockoutBudget.CLOCK_SKEW);

  @Test
  void the_budget_is_half_the_lockout_threshold_or_the_daily_cap_when_unknown() {
    assertThat(LockoutBudget.of(10, 2)).isEqualTo(5);
    assertThat(LockoutBudget.of(5, 2)).isEqualTo(2);
    assertThat(LockoutBudget.of(1, 2)).isZero(); // one failure locks: never try
    assertThat(LockoutBudget.of(null, 3)).isEqualTo(3);
    assertThat(LockoutBudget.of(0, 3)).isEqualTo(3);
    assertThat(LockoutBudget.of(null, 10)).as("unknown: under half of Okta's default of 10").isEqualTo(4);
    assertThat(LockoutBudget.of(null, 50)).isEqualTo(4);
  }

  @Test
  void failures_count_since_the_last_sign_in_with_a_margin_for_clock_skew() {
    assertThat(LockoutBudget.windowStart(LOGIN, "ACTIVE", Instant.parse("2026-01-01T00:00:00Z"), null))
        .isEqualTo(SKEW);
    assertThat(LockoutBudget.windowStart(null, "ACTIVE", Instant.parse("2026-01-01T00:00:00Z"), null)).isNull();
  }

  @Test
  void an_unlock_after_a_seen_lockout_restarts_the_window() {
    Instant seen = Instant.parse("2026-05-02T10:00:00Z");
    Instant unlocked = Instant.parse("2026-05-02T11:00:00Z");

    assertThat(LockoutBudget.windowStart(LOGIN, "ACTIVE", unlocked, seen))
        .isEqualTo(unlocked.minus(LockoutBudget.CLOCK_SKEW));
    // still locked, or a status change before we saw the lockout: not an unlock
    assertThat(LockoutBudget.windowStart(LOGIN, "LOCKED_OUT", unlocked, seen)).isEqualTo(SKEW);
    assertThat(LockoutBudget.windowStart(LOGIN, "ACTIVE", seen.minusSeconds(60), seen)).isEqualTo(SKEW);
    assertThat(LockoutBudget.windowStart(null, "ACTIVE", unlocked, seen))
        .isEqualTo(unlocked.minus(LockoutBudget.CLOCK_SKEW));
  }
}
