package io.flare.iem.credentialcheck;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The lifetime lockout budget ({@link LockoutBudget}): Okta's failed-attempt counter resets only
 * on a sign-in or an unlock, so our failures since then stay under half the org's lockout
 * threshold (or the daily cap when the threshold is unknown). Spent: THROTTLED, looked at again
 * every {@code recheck} for a sign-in.
 */
final class LifetimeBudgetGate implements Gate {

  private final Clock clock;
  private final Duration recheck;

  LifetimeBudgetGate(Clock clock, Duration recheck) {
    this.clock = clock;
    this.recheck = recheck;
  }

  @Override
  public Future<Verdict> judge(Candidate c) {
    return c.attempts().map(counts -> counts.failures() >= c.budget()
        ? spent(c, counts.failures(), clock.instant())
        : Verdict.PROCEED);
  }

  /** The budget is spent ({@code failures} counted): THROTTLED until the next look. */
  Verdict.Throttle spent(Candidate c, long failures, Instant now) {
    return new Verdict.Throttle(CheckMetrics.Throttle.LOCKOUT_BUDGET,
        LockoutBudget.spentDetail(c.budget(), c.integration().oktaLockoutThreshold(), failures), now.plus(recheck));
  }
}
