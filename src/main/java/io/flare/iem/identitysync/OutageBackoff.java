package io.flare.iem.identitysync;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a sync run waits out Okta or Postgres being down: jittered exponential backoff from 250 ms up
 * to {@code maxBackoff}, for at most {@code maxOutage} in all; a committed batch ends the outage.
 */
final class OutageBackoff {

  private final Duration maxOutage;
  private final Duration maxBackoff;
  private long startMillis;
  private int failures;

  OutageBackoff(Duration maxOutage, Duration maxBackoff) {
    this.maxOutage = maxOutage;
    this.maxBackoff = maxBackoff;
  }

  /** Work went through: the next failure starts a new outage. */
  void reset() {
    startMillis = 0;
    failures = 0;
  }

  /** How long to wait before trying again, or -1 once the outage has lasted longer than {@code maxOutage}. */
  long nextDelayMillis(long nowMillis) {
    if (startMillis == 0) {
      startMillis = nowMillis;
    }
    if (nowMillis - startMillis > maxOutage.toMillis()) {
      return -1;
    }
    failures++;
    long base = Math.min(maxBackoff.toMillis(), 250L << Math.min(failures, 12));
    return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
  }
}
