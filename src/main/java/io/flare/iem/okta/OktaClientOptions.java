package io.flare.iem.okta;

import java.time.Duration;

/**
 * Tuning of the Okta client.
 *
 * @param requestTimeout how long one HTTP exchange may take
 * @param maxConcurrentPerOrg most requests in flight to one org at once (Okta's org concurrency
 *     limit is 35 to 75 for everyone together)
 * @param maxRetries retries of an idempotent read after a 5xx, a connection failure or a timeout
 * @param retryBase first backoff; doubles per retry, with full jitter
 * @param retryMax longest backoff
 * @param max429Waits how many 429s in a row one request waits out before giving up
 * @param tokenRefreshBefore how long before expiry a cached token is replaced
 */
public record OktaClientOptions(Duration requestTimeout, int maxConcurrentPerOrg, int maxRetries,
    Duration retryBase, Duration retryMax, int max429Waits, Duration tokenRefreshBefore) {

  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** Well under Okta's per-org concurrency limit, which every caller of the org shares. */
  public static final int MAX_CONCURRENT_PER_ORG = 10;
  public static final int MAX_RETRIES = 3;
  public static final Duration RETRY_BASE = Duration.ofMillis(200);
  public static final Duration RETRY_MAX = Duration.ofSeconds(5);
  /** A request waits out this many rate-limit windows before it fails: a 429 is a wait, not an end. */
  public static final int MAX_429_WAITS = 30;
  /** Okta's access tokens last an hour; one is replaced well before, never mid-request. */
  public static final Duration TOKEN_REFRESH_BEFORE = Duration.ofMinutes(5);

  public static OktaClientOptions defaults() {
    return new OktaClientOptions(REQUEST_TIMEOUT, MAX_CONCURRENT_PER_ORG, MAX_RETRIES, RETRY_BASE, RETRY_MAX,
        MAX_429_WAITS, TOKEN_REFRESH_BEFORE);
  }

  public OktaClientOptions withRequestTimeout(Duration timeout) {
    return new OktaClientOptions(timeout, maxConcurrentPerOrg, maxRetries, retryBase, retryMax, max429Waits,
        tokenRefreshBefore);
  }

  public OktaClientOptions withMaxConcurrentPerOrg(int max) {
    return new OktaClientOptions(requestTimeout, max, maxRetries, retryBase, retryMax, max429Waits,
        tokenRefreshBefore);
  }

  public OktaClientOptions withRetries(int retries, Duration base, Duration max) {
    return new OktaClientOptions(requestTimeout, maxConcurrentPerOrg, retries, base, max, max429Waits,
        tokenRefreshBefore);
  }
}
