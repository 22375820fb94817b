package io.flare.iem.okta;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Usernames Okta's per-username throttle holds back (a per-username 429 on {@code /api/v1/authn},
 * see {@link RateLimiter#perUsername}), each until the reset Okta gave: the next authn for that
 * username is answered as throttled without being sent, while the others go on. Bounded: expired
 * holds are dropped as new ones come. Thread-safe.
 */
final class UsernameHolds {

  private static final int PRUNE_AT = 10_000;

  private final LongSupplier clock;
  private final Map<String, Long> until = new HashMap<>();

  UsernameHolds(LongSupplier clock) {
    this.clock = clock;
  }

  /** Holds {@code username} back until {@code untilMillis} (the client's clock). */
  synchronized void hold(String username, long untilMillis) {
    long now = clock.getAsLong();
    if (until.size() >= PRUNE_AT) {
      until.values().removeIf(t -> t <= now);
    }
    until.merge(key(username), untilMillis, Math::max);
  }

  /** Milliseconds the username is still held back; 0 when it is free. */
  synchronized long heldFor(String username) {
    Long t = until.get(key(username));
    if (t == null) {
      return 0;
    }
    long left = t - clock.getAsLong();
    if (left <= 0) {
      until.remove(key(username));
      return 0;
    }
    return left;
  }

  private static String key(String username) {
    return username.trim().toLowerCase(Locale.ROOT);
  }
}
