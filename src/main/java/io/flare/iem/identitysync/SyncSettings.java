package io.flare.iem.identitysync;

import io.flare.iem.config.AppConfig;
import java.time.Duration;

/**
 * Tunables of identity sync on one replica. Six come from the environment ({@code AppConfig.Sync});
 * the rest are fixed, each a named default below with its reason.
 *
 * @param batchUsers users written per transaction and checkpoint
 * @param leaseSeconds how long a replica holds a run without renewing it
 * @param incrementalOverlap how far before the last watermark an incremental sync starts listing
 * @param maxOutage how long a run waits out Okta or Postgres being down before it fails
 * @param maxBackoff the longest wait between two tries during an outage
 * @param maxConcurrentRuns runs one replica executes at once
 * @param pollInterval how often an idle replica looks for queued runs
 * @param scheduleInterval how often a replica ticks the nightly schedule
 * @param feedRetention how long the identity-changes feed keeps an entry
 */
public record SyncSettings(int batchUsers, int leaseSeconds, Duration incrementalOverlap, Duration maxOutage,
    Duration maxBackoff, int maxConcurrentRuns, Duration pollInterval, Duration scheduleInterval,
    Duration feedRetention) {

  /** A run rides out an Okta or Postgres outage this long, resuming from its last checkpoint. */
  public static final Duration MAX_OUTAGE = Duration.ofHours(2);
  /** Backoff during an outage doubles up to this, so a run notices the end of an outage within it. */
  public static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
  /** A run queued on another replica starts within this (a local start is kicked at once). */
  public static final Duration POLL_INTERVAL = Duration.ofMillis(500);
  /** A tenant's nightly sync starts within this of its local hour. */
  public static final Duration SCHEDULE_INTERVAL = Duration.ofSeconds(30);

  /** Default of {@code IEM_FEED_RETENTION_DAYS}. */
  public static final Duration FEED_RETENTION = Duration.ofDays(7);

  /** Settings with the default feed retention. */
  public SyncSettings(int batchUsers, int leaseSeconds, Duration incrementalOverlap, Duration maxOutage,
      Duration maxBackoff, int maxConcurrentRuns, Duration pollInterval, Duration scheduleInterval) {
    this(batchUsers, leaseSeconds, incrementalOverlap, maxOutage, maxBackoff, maxConcurrentRuns, pollInterval,
        scheduleInterval, FEED_RETENTION);
  }

  /** The operator's settings with the fixed defaults. */
  public static SyncSettings from(AppConfig.Sync config) {
    return new SyncSettings(config.batchUsers(), (int) config.lease().toSeconds(), config.incrementalOverlap(),
        MAX_OUTAGE, MAX_BACKOFF, config.maxConcurrentRuns(), POLL_INTERVAL, SCHEDULE_INTERVAL, config.feedRetention());
  }
}
