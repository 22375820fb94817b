package io.flare.iem.okta;

import java.util.List;

/**
 * The lockout settings of the org's password policies ({@code GET /api/v1/policies?type=PASSWORD}).
 *
 * @param threshold the smallest positive {@code maxAttempts} of the active policies (the one that
 *     locks first), null when no active policy locks accounts
 * @param showLockoutFailures whether any active policy shows lockout failures (authn answers LOCKED_OUT)
 * @param policies each active policy, in priority order
 */
public record LockoutPolicy(Integer threshold, boolean showLockoutFailures, List<Policy> policies) {

  /** One password policy's lockout settings ({@code maxAttempts} 0 means no lockout). */
  public record Policy(String id, String name, int priority, int maxAttempts, int autoUnlockMinutes,
      boolean showLockoutFailures) {}
}
