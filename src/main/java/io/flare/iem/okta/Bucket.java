package io.flare.iem.okta;

/**
 * Okta's rate-limit buckets this service spends. Each has its own per-minute limit in the org, of
 * which our app may use its share (50 % by default), reported in {@code X-Rate-Limit-*} headers.
 */
public enum Bucket {
  /** {@code GET /api/v1/users} (list and search). */
  USERS_LIST,
  /** {@code GET /api/v1/users/{id}}. */
  USER_READ,
  /** {@code POST /api/v1/authn} and its cancel. */
  AUTHN,
  /** Lifecycle and session calls on one user: suspend, unsuspend, unlock, clear sessions. */
  LIFECYCLE,
  /** {@code POST /oauth2/v1/token}. */
  TOKEN,
  /** {@code GET /api/v1/logs}: the System Log, a bucket of its own in Okta's rate-limit tables. */
  LOGS,
  /** Anything else, for example the password policies. */
  OTHER
}
