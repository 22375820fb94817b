package io.flare.iem.oktasim;

import java.util.HashSet;
import java.util.Set;

/**
 * The org's sign-on policy, as far as {@code /api/v1/authn} shows it: a rule that denies sign-in to
 * some users (a group rule, or a network zone our egress addresses fall in), or to everyone.
 *
 * <p>Okta documents that {@code /api/v1/authn} answers 401 {@code E0000004} "when access is denied
 * because of a sign-on policy", exactly as for a wrong password (okta-api.md §4), and that the System
 * Log records the evaluation as {@code policy.evaluate_sign_on} with outcome {@code DENY} and reason
 * "Sign-on policy evaluation resulted in DENY" (System Log event types; the reason string as Okta
 * writes it, quoted in an Okta System Log integration's issue). Whether Okta reads the password before
 * the DENY is not documented: the simulator denies whatever the password, counts no failed attempt,
 * and logs only the policy event, so a denial tells nothing of the password.
 */
public final class SimSignOnPolicy {

  private final Object lock;
  private final Set<String> denied = new HashSet<>();
  private boolean denyEveryone;

  SimSignOnPolicy(Object lock) {
    this.lock = lock;
  }

  /** A rule now denies sign-in to this user (by id). */
  public SimSignOnPolicy deny(String userId) {
    synchronized (lock) {
      denied.add(userId);
    }
    return this;
  }

  /** The rule no longer applies to this user. */
  public SimSignOnPolicy allow(String userId) {
    synchronized (lock) {
      denied.remove(userId);
    }
    return this;
  }

  /** A rule denies sign-in to everyone (for example a network zone rule our addresses fall in). */
  public SimSignOnPolicy denyEveryone(boolean deny) {
    synchronized (lock) {
      denyEveryone = deny;
    }
    return this;
  }

  /** Called under the simulator's lock. */
  boolean denies(String userId) {
    return denyEveryone || denied.contains(userId);
  }
}
