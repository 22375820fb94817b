package io.flare.iem.identitysync;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Where a sync reads users from, page by page: Okta's user listing in production. Pages are pulled
 * one at a time, so a slow writer slows the listing (back-pressure), and each page names the
 * cursor of the next, which the sync stores so that another replica can resume the listing.
 */
public interface UserSource {

  /**
   * One page of users, the cursor of the next page (null on the last), what fetching it cost, and
   * when the source answered by its own clock (null when it did not say).
   */
  record Page(List<SyncedUser> users, String next, int requests, int rateLimitWaits, Instant sourceTime) {}

  /** The page at {@code cursor}; {@code null} means the first page of this listing. */
  Future<Page> page(String cursor);

  /**
   * True when {@code error} says the stored cursor is no longer valid (Okta's E0000029): the sync
   * then lists again from the start, which is safe because writes are idempotent.
   */
  default boolean isExpiredCursor(Throwable error) {
    return false;
  }

  /** True when {@code error} is worth waiting out (Okta unreachable, 5xx, rate limited). */
  default boolean isTransient(Throwable error) {
    return false;
  }
}
