package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rate limiter fed Okta's {@code X-Rate-Limit-*} headers directly, as {@link OrgConnection}
 * feeds it: what it takes as a bucket's limit, and when it lets waiting requests go.
 */
class RateLimiterTest {

  static Vertx vertx;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    Await.result(vertx.close());
  }

  static RateLimiter limiter() {
    return new RateLimiter(vertx, 10, System::currentTimeMillis, OktaListener.NONE);
  }

  /** One answered request: what {@link OrgConnection} does with a response's headers. */
  static void answered(RateLimiter limiter, Bucket bucket, int status, MultiMap headers) {
    RateLimiter.Permit permit = Await.result(limiter.acquire(bucket, Usage.named("test")));
    permit.release(headers, status);
    if (status == 429) {
      limiter.rateLimited(bucket, headers);
    }
  }

  static MultiMap headers(int limit, int remaining, long resetEpochSecond) {
    return MultiMap.caseInsensitiveMultiMap()
        .add("X-Rate-Limit-Limit", Integer.toString(limit))
        .add("X-Rate-Limit-Remaining", Integer.toString(remaining))
        .add("X-Rate-Limit-Reset", Long.toString(resetEpochSecond))
        .add("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
  }

  static long inSeconds(int seconds) {
    return System.currentTimeMillis() / 1000 + seconds;
  }

  @Test
  void a_limit_header_never_shrinks_what_okta_granted_in_the_window() {
    RateLimiter limiter = limiter();
    long reset = inSeconds(50);
    answered(limiter, Bucket.USERS_LIST, 200, headers(100, 90, reset));
    RateLimiter.Permit first = Await.result(limiter.acquire(Bucket.USERS_LIST, Usage.named("test")));
    RateLimiter.Permit second = Await.result(limiter.acquire(Bucket.USERS_LIST, Usage.named("test")));

    first.release(headers(10, 0, reset), 429);
    limiter.rateLimited(Bucket.USERS_LIST, headers(10, 0, reset));
    second.release(headers(20, 0, reset), 200);

    assertThat(limiter.snapshot(Bucket.USERS_LIST).limit()).isEqualTo(100);
  }

  @Test
  void a_per_username_429_on_authn_leaves_the_orgs_authn_bucket_as_it_was() {
    RateLimiter limiter = limiter();
    answered(limiter, Bucket.AUTHN, 200, headers(600, 599, inSeconds(50)));

    // Okta's per-username throttle: X-Rate-Limit-Limit is the username's figure (authn reference)
    answered(limiter, Bucket.AUTHN, 429, headers(1, 0, inSeconds(1)));

    RateLimiter.Snapshot authn = limiter.snapshot(Bucket.AUTHN);
    assertThat(authn.limit()).isEqualTo(600);
    assertThat(authn.remaining()).isGreaterThanOrEqualTo(598);
    assertThat(limiter.wouldGrant(Bucket.AUTHN, 0.2)).as("other usernames go on at once").isTrue();
  }

  @Test
  void a_share_below_one_request_still_sends_one_request_a_window_woken_at_the_reset() {
    RateLimiter limiter = limiter();
    answered(limiter, Bucket.OTHER, 200, headers(1, 0, inSeconds(1)));

    Future<RateLimiter.Permit> waiting = limiter.acquire(Bucket.OTHER, Usage.named("test").withShare(Bucket.OTHER, 0.5));

    assertThat(waiting.isComplete()).as("the window is spent").isFalse();
    assertThat(Await.result(waiting, 5)).as("granted by the wake-up at the window's reset").isNotNull();
  }
}
