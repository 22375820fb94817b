package io.flare.iem.credentialcheck;

import java.time.Duration;

/**
 * Tunables of the credential checker. Two come from the environment ({@code AppConfig.Checks});
 * the rest are fixed here with their reasons.
 *
 * @param authnShare share of the org's authn rate limit our attempts may use (the rest is left to
 *     employees signing in)
 * @param workerConcurrency checks one replica's worker decides at once
 * @param pollInterval how often an idle worker looks for due checks
 * @param leaseSeconds how long a worker (or an inline check) holds a check; longer than the
 *     slowest decision (an Okta read with retries, one authn call, a mitigation)
 * @param inlineTimeout how long CheckCredential waits for a decision before answering with the
 *     check as it stands (the decision goes on and is stored)
 * @param userCacheTtl how long a fresh Okta read of a user is reused by concurrent checks
 * @param tenantCacheTtl how long a tenant's integration and settings are reused on the hot path
 * @param budgetRecheck how often a check throttled by the lockout budget looks again for a sign-in
 * @param shortWait when a check waiting for Redis, the org's authn budget or an earlier check of the
 *     same password is tried again
 * @param maxPaceWait how long a check waits in place for Okta's per-username pacing before queueing
 * @param unverifiedBase first backoff after Okta was unreachable or ambiguous; doubles each time
 * @param unverifiedMax longest such backoff
 * @param streamMaxInFlight requests of one CheckCredentials stream decided at once
 */
public record CheckSettings(
    double authnShare,
    int workerConcurrency,
    Duration pollInterval,
    int leaseSeconds,
    Duration inlineTimeout,
    Duration userCacheTtl,
    Duration tenantCacheTtl,
    Duration budgetRecheck,
    Duration shortWait,
    Duration maxPaceWait,
    Duration unverifiedBase,
    Duration unverifiedMax,
    int streamMaxInFlight) {

  public static CheckSettings defaults(double authnShare, int workerConcurrency) {
    return defaults(authnShare, workerConcurrency, 300);
  }

  /** As {@link #defaults(double, int)} with the lease of a check being decided. */
  public static CheckSettings defaults(double authnShare, int workerConcurrency, int leaseSeconds) {
    return new CheckSettings(authnShare, workerConcurrency, Duration.ofMillis(250), leaseSeconds, Duration.ofSeconds(10),
        Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofSeconds(5),
        Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofHours(1), 64);
  }

  /** Backoff after {@code count} unreachable or ambiguous answers in a row. */
  Duration unverifiedBackoff(int count) {
    Duration d = unverifiedBase.multipliedBy(1L << Math.min(count, 20));
    return d.compareTo(unverifiedMax) > 0 ? unverifiedMax : d;
  }
}
