package io.flare.iem.identitysync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The users of one or more pages of a sync's listing, written in one transaction, what fetching them
 * cost, and when Okta answered the first of those pages (by Okta's clock).
 */
record SyncBatch(List<SyncedUser> users, String nextCursor, int pages, int requests, int rateLimitWaits,
    Instant oktaTime) {

  /** A batch being fetched, page by page. */
  static final class Builder {
    private final List<SyncedUser> users;
    private int pages;
    private int requests;
    private int waits;
    private Instant oktaTime;

    Builder(int capacity) {
      users = new ArrayList<>(capacity);
    }

    void add(UserSource.Page page) {
      users.addAll(page.users());
      pages++;
      requests += page.requests();
      waits += page.rateLimitWaits();
      if (oktaTime == null) {
        oktaTime = page.sourceTime();
      }
    }

    int size() {
      return users.size();
    }

    SyncBatch build(String next) {
      return new SyncBatch(users, next, pages, requests, waits, oktaTime);
    }
  }
}
