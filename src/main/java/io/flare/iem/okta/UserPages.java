package io.flare.iem.okta;

import io.vertx.core.Future;
import java.net.URI;

/**
 * A pull-based stream of user pages that follows {@code Link: rel="next"} exactly and stops when
 * there is none or it equals {@code rel="self"}. The caller asks for the next page only when it has
 * room ({@link #next()}); while it works on one page the following one is fetched ahead, so at most
 * one page is buffered. {@link #cursor()} is the URL of the page {@link #next()} returns next.
 */
public final class UserPages {

  private final OktaOrg org;
  private String cursor;
  private Future<UserPage> ahead;
  private boolean done;

  UserPages(OktaOrg org, String firstUrl) {
    this.org = org;
    this.cursor = firstUrl;
  }

  /** True until the last page was returned. */
  public synchronized boolean hasNext() {
    return !done;
  }

  /** The URL of the next page to fetch (persist it as a resumable cursor), null when finished. */
  public synchronized String cursor() {
    return done ? null : cursor;
  }

  /** The next page; fails with {@link OktaException} (the cursor stays, so the caller may retry). */
  public synchronized Future<UserPage> next() {
    if (done) {
      return Future.failedFuture(new IllegalStateException("no more pages"));
    }
    Future<UserPage> page = ahead != null ? ahead : org.fetchPage(URI.create(cursor));
    ahead = null;
    return page.andThen(ar -> {
      synchronized (this) {
        if (ar.failed()) {
          return;
        }
        UserPage p = ar.result();
        if (p.nextCursor() == null) {
          done = true;
          cursor = null;
        } else {
          cursor = p.nextCursor();
          ahead = org.fetchPage(URI.create(cursor));
          ahead.onFailure(ignored -> { }); // surfaced when the caller pulls it
        }
      }
    });
  }
}
