package io.flare.iem.bench;

import java.util.concurrent.TimeUnit;

/** Open-loop pacing for the fixed-rate phases: each call goes out at its scheduled instant. */
final class Pace {

  private Pace() {}

  /** Waits until {@code System.nanoTime()} reaches {@code dueNanos}: sleeps, then spins the last 0.2 ms. */
  static void until(long dueNanos) throws InterruptedException {
    while (System.nanoTime() < dueNanos) {
      long wait = dueNanos - System.nanoTime();
      if (wait > 200_000) {
        TimeUnit.NANOSECONDS.sleep(wait - 100_000);
      } else {
        Thread.onSpinWait();
      }
    }
  }
}
