package io.flare.iem.exposure;

import java.time.Duration;

/**
 * How the exposure capability paces itself.
 *
 * @param reread how often an open case's user is read again from Okta (default hourly)
 * @param rereadPoll how often a replica looks for cases due for a re-read
 * @param signalPoll how often a replica looks for risk signals due (retries; new ones go at once)
 * @param firstRetry the wait after a signal's first failed sending, doubled on each failure after
 */
public record ExposureSettings(Duration reread, Duration rereadPoll, Duration signalPoll, Duration firstRetry) {

  public static final ExposureSettings DEFAULTS = new ExposureSettings(Duration.ofHours(1), Duration.ofMinutes(1),
      Duration.ofSeconds(2), Duration.ofSeconds(2));
}
