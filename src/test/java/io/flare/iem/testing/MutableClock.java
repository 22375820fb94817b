package io.flare.iem.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests set and move (local days, DST changes, backoffs); it stands still otherwise. Thread-safe. */
public final class MutableClock extends Clock {

  private volatile Instant now;

  public MutableClock(Instant start) {
    this.now = start;
  }

  /** Starts at the current instant, truncated to the millisecond. */
  public static MutableClock now() {
    return new MutableClock(Instant.ofEpochMilli(System.currentTimeMillis()));
  }

  public void set(Instant instant) {
    now = instant;
  }

  public synchronized Instant advance(Duration by) {
    now = now.plus(by);
    return now;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
