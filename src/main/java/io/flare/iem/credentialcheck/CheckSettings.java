package io.flare.iem.credentialcheck;

import io.flare.iem.config.AppConfig;
import io.flare.iem.okta.OktaClientOptions;
import java.time.Duration;

/**
 * Tunables of credential checks. Five come from the environment ({@code AppConfig.Checks}); the
 * rest are fixed, each a named default below with its reason.
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
 * @param mitigationHoldSeconds how long an approval being applied holds its mitigation against a
 *     second approval (longer than two Okta calls with their retries)
 * @param logConfirmWait how long a 401 waits for its System Log event before it stays unconfirmed
 * @param logConfirmPoll how often the System Log is read meanwhile
 * @param unconfirmedRetry after how long a password Okta rejected without the System Log confirming
 *     that the credentials were wrong may be tried again (for a new leak of it)
 * @param blockRecheck how often a check of a user Okta blocks for unknown devices looks again
 * @param passwordRetention how long a leaked password may wait undecided, sealed, before it is
 *     erased and its check ends PASSWORD_ERASED
 * @param callWaitBound how long a decision's authn call may wait for the org's rate limit: sent
 *     later than that, its answer could outlast the check's lease, and another replica take the
 *     check and send the password again; past it the call is not sent and the check waits
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
    int streamMaxInFlight,
    int mitigationHoldSeconds,
    Duration logConfirmWait,
    Duration logConfirmPoll,
    Duration unconfirmedRetry,
    Duration blockRecheck,
    Duration passwordRetention,
    Duration callWaitBound) {

  /** A worker's queue is looked at this often: a due check waits at most this long for a free worker. */
  public static final Duration POLL_INTERVAL = Duration.ofMillis(250);
  /** What a dead replica's checks wait before another one takes them over. */
  public static final int LEASE_SECONDS = 300;
  /** CheckCredential answers within this; the leak pipeline calls it once per leak. */
  public static final Duration INLINE_TIMEOUT = Duration.ofSeconds(10);
  /** A burst of leaks of one user costs Okta one read. */
  public static final Duration USER_CACHE_TTL = Duration.ofSeconds(2);
  /** Settings changes reach the hot path within this. */
  public static final Duration TENANT_CACHE_TTL = Duration.ofSeconds(1);
  /** A user who signed in again frees a budget-throttled check within this. */
  public static final Duration BUDGET_RECHECK = Duration.ofHours(1);
  /** Waits for something expected back soon (Redis, an earlier check's answer). */
  public static final Duration SHORT_WAIT = Duration.ofSeconds(5);
  /** Okta's pacing of 4 calls a second per username is worth waiting for in place up to this. */
  public static final Duration MAX_PACE_WAIT = Duration.ofSeconds(3);
  public static final Duration UNVERIFIED_BASE = Duration.ofSeconds(30);
  public static final Duration UNVERIFIED_MAX = Duration.ofHours(1);
  /**
   * Enough for full intake batches (four of {@code STREAM_MAX_BATCH}) to keep Postgres busy, little
   * enough that a stream cannot flood one replica: about 1 MB of requests.
   */
  public static final int STREAM_MAX_IN_FLIGHT = 1024;
  public static final int MITIGATION_HOLD_SECONDS = 120;
  /**
   * The System Log is "near real-time" (Okta's words): a request's events usually show within
   * seconds. Waiting longer holds the check's decision (not the identity's lock) for nothing.
   */
  public static final Duration LOG_CONFIRM_WAIT = Duration.ofSeconds(5);
  /** The first read waits this long too: a read before the event can show spends the log's small rate limit. */
  public static final Duration LOG_CONFIRM_POLL = Duration.ofSeconds(1);
  /** Default of {@code IEM_CHECK_UNCONFIRMED_RETRY_DAYS}. */
  public static final Duration UNCONFIRMED_RETRY = Duration.ofDays(30);
  /** An unknown-device block lifts when the user signs in from a known device or is unlocked: look hourly. */
  public static final Duration BLOCK_RECHECK = Duration.ofHours(1);
  /** Between the latest moment a call may be sent and the lease's end: its answer is stored by then. */
  public static final Duration CALL_STORE_MARGIN = Duration.ofSeconds(5);
  /** A leaked password is kept, sealed, at most this long while its check waits. */
  public static final Duration PASSWORD_RETENTION = Duration.ofDays(14);

  public static CheckSettings defaults(double authnShare, int workerConcurrency) {
    return defaults(authnShare, workerConcurrency, LEASE_SECONDS);
  }

  /** The fixed defaults with the settings the environment gives; Okta's request timeout bounds the call's wait. */
  public static CheckSettings from(AppConfig.Checks config, Duration oktaRequestTimeout) {
    CheckSettings s = defaults(config.authnShare(), config.workers(), config.leaseSeconds())
        .withUnconfirmedRetry(config.unconfirmedRetry()).withPasswordRetention(config.passwordRetention());
    return new CheckSettings(s.authnShare, s.workerConcurrency, s.pollInterval, s.leaseSeconds, s.inlineTimeout,
        s.userCacheTtl, s.tenantCacheTtl, s.budgetRecheck, s.shortWait, s.maxPaceWait, s.unverifiedBase,
        s.unverifiedMax, s.streamMaxInFlight, s.mitigationHoldSeconds, s.logConfirmWait, s.logConfirmPoll,
        s.unconfirmedRetry, s.blockRecheck, s.passwordRetention, callWaitBound(config.leaseSeconds(), oktaRequestTimeout));
  }

  /** The lease, less the longest call and the time to store its answer (never negative). */
  static Duration callWaitBound(int leaseSeconds, Duration requestTimeout) {
    Duration bound = Duration.ofSeconds(leaseSeconds).minus(requestTimeout).minus(CALL_STORE_MARGIN);
    return bound.isNegative() ? Duration.ZERO : bound;
  }

  /** As {@link #defaults(double, int)} with the lease of a check being decided. */
  public static CheckSettings defaults(double authnShare, int workerConcurrency, int leaseSeconds) {
    return new CheckSettings(authnShare, workerConcurrency, POLL_INTERVAL, leaseSeconds, INLINE_TIMEOUT,
        USER_CACHE_TTL, TENANT_CACHE_TTL, BUDGET_RECHECK, SHORT_WAIT, MAX_PACE_WAIT, UNVERIFIED_BASE, UNVERIFIED_MAX,
        STREAM_MAX_IN_FLIGHT, MITIGATION_HOLD_SECONDS, LOG_CONFIRM_WAIT, LOG_CONFIRM_POLL, UNCONFIRMED_RETRY,
        BLOCK_RECHECK, PASSWORD_RETENTION, callWaitBound(leaseSeconds, OktaClientOptions.REQUEST_TIMEOUT));
  }

  /** A copy in which an unconfirmed rejection may be tried again after {@code retry}. */
  public CheckSettings withUnconfirmedRetry(Duration retry) {
    return new CheckSettings(authnShare, workerConcurrency, pollInterval, leaseSeconds, inlineTimeout, userCacheTtl,
        tenantCacheTtl, budgetRecheck, shortWait, maxPaceWait, unverifiedBase, unverifiedMax, streamMaxInFlight,
        mitigationHoldSeconds, logConfirmWait, logConfirmPoll, retry, blockRecheck, passwordRetention, callWaitBound);
  }

  /** A copy in which a waiting password is erased after {@code retention}. */
  public CheckSettings withPasswordRetention(Duration retention) {
    return new CheckSettings(authnShare, workerConcurrency, pollInterval, leaseSeconds, inlineTimeout, userCacheTtl,
        tenantCacheTtl, budgetRecheck, shortWait, maxPaceWait, unverifiedBase, unverifiedMax, streamMaxInFlight,
        mitigationHoldSeconds, logConfirmWait, logConfirmPoll, unconfirmedRetry, blockRecheck, retention,
        callWaitBound);
  }

  /** Backoff after {@code count} unreachable or ambiguous answers in a row. */
  Duration unverifiedBackoff(int count) {
    Duration d = unverifiedBase.multipliedBy(1L << Math.min(count, 20));
    return d.compareTo(unverifiedMax) > 0 ? unverifiedMax : d;
  }
}
