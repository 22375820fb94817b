package io.flare.iem.oktasim;

/** The simulated org's rate-limit buckets (okta-api.md §3), each with its own per-window limit. */
public enum SimBucket {
  /** {@code GET /api/v1/users} (list, filter, search). Default 600 per minute. */
  USERS(600),
  /** {@code GET /api/v1/users/{id}}. Default 1,000 per minute. */
  USER_READ(1000),
  /** Lifecycle, sessions and deletes on one user. Default 600 per minute. */
  USER_WRITE(600),
  /** {@code /api/v1/authn} (unauthenticated: the whole org limit, no app share). Default 600 per minute. */
  AUTHN(600),
  /** {@code /oauth2/v1/token}. Default 1,200 per minute. */
  TOKEN(1200),
  /**
   * {@code GET /api/v1/logs}, the System Log: a bucket of its own. Default 120 per minute (the last
   * published table's figure for most editions; Okta now shows limits only in the Admin Console).
   */
  LOGS(120),
  /** Everything else under {@code /api/v1}. Default 600 per minute. */
  OTHER(600);

  final int defaultLimit;

  SimBucket(int defaultLimit) {
    this.defaultLimit = defaultLimit;
  }
}
