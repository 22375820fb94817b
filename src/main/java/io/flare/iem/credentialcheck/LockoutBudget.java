package io.flare.iem.credentialcheck;

import java.time.Duration;
import java.time.Instant;

/**
 * The lifetime lockout budget of an identity. Okta's failed-attempt counter resets only on a
 * successful sign-in or an unlock, never at midnight, so a daily cap alone would lock a dormant
 * account out after a few days. Our failed attempts since the user's last sign-in (or unlock)
 * therefore stay within half the org's lockout threshold when it is known; when it is not, at 4,
 * under half of Okta's default threshold of 10 (okta-api.md §4), or the daily cap if that is lower.
 * Ambiguous attempts (no answer, an unknown answer, one still in flight) count as failures, and
 * so do denials (DENIED: a sign-on policy, network zone or device rule refused the sign-in; Okta
 * does not document whether it counted the password first). Pure functions; the counting happens
 * in the gates and the fence.
 */
final class LockoutBudget {

  /**
   * Attempts up to this long before the sign-in still count: our clock and Okta's may disagree,
   * and an attempt we recorded just before a sign-in may in fact have followed it.
   */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  /** Okta's default lockout threshold: failed attempts before a lockout when nobody changed it. */
  static final int OKTA_DEFAULT_THRESHOLD = 10;

  /** Failures between sign-ins when the org's threshold is unknown: under half of Okta's default. */
  static final int UNKNOWN_THRESHOLD_BUDGET = 4;

  private LockoutBudget() {}

  /** Failed attempts we may make between two sign-ins. */
  static int of(Integer lockoutThreshold, int maxDailyAttempts) {
    return lockoutThreshold != null && lockoutThreshold > 0 ? lockoutThreshold / 2
        : Math.min(maxDailyAttempts, UNKNOWN_THRESHOLD_BUDGET);
  }

  /**
   * Since when our failures count: the last sign-in, or the last unlock if later, minus
   * {@link #CLOCK_SKEW}; null when the user never signed in nor was seen unlocked (every failure
   * counts). An unlock is a status change away from LOCKED_OUT after we saw the lockout.
   */
  static Instant windowStart(Instant lastLogin, String status, Instant statusChanged, Instant lockoutSeen) {
    Instant start = lastLogin;
    boolean unlocked = lockoutSeen != null && statusChanged != null && !"LOCKED_OUT".equals(status)
        && statusChanged.isAfter(lockoutSeen);
    if (unlocked && (start == null || statusChanged.isAfter(start))) {
      start = statusChanged;
    }
    return start == null ? null : start.minus(CLOCK_SKEW);
  }

  /** What a person reads when the budget is spent. */
  static String spentDetail(int budget, Integer threshold, long failures) {
    String basis = threshold != null && threshold > 0 ? "half the org's lockout threshold of " + threshold
        : budget < UNKNOWN_THRESHOLD_BUDGET ? "the daily cap, as the org's lockout threshold is unknown"
        : "under half of Okta's default lockout threshold of " + OKTA_DEFAULT_THRESHOLD + ", as the org's is unknown";
    return "lockout budget spent: " + failures + " failed attempt(s) since the user's last sign-in, budget " + budget
        + " (" + basis + "); resumes once the user signs in or is unlocked";
  }
}
