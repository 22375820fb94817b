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

  public static OktaClientOptions defaults() {
    return new OktaClientOptions(Duration.ofSeconds(30), 10, 3, Duration.ofMillis(200), Duration.ofSeconds(5), 30,
        Duration.ofMinutes(5));
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
