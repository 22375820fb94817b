package io.flare.iem.credentialcheck;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * The tenant's calendar: which local day an instant falls on, and when the next one starts.
 * Computed with zone rules ({@code ZonedDateTime}), so days of 23 or 25 hours (DST changes) and
 * zones where midnight does not exist on some day are right: a day starts at the first instant
 * of its date.
 */
final class LocalDays {

  private LocalDays() {}

  static LocalDate day(Instant now, ZoneId zone) {
    return now.atZone(zone).toLocalDate();
  }

  /** The first instant of the next local day. */
  static Instant nextMidnight(Instant now, ZoneId zone) {
    return day(now, zone).plusDays(1).atStartOfDay(zone).toInstant();
  }

  /** Milliseconds from {@code now} to the next local midnight, at least 1. */
  static long millisToNextMidnight(Instant now, ZoneId zone) {
    return Math.max(1, nextMidnight(now, zone).toEpochMilli() - now.toEpochMilli());
  }
}
