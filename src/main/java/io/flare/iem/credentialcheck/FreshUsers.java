package io.flare.iem.credentialcheck;

import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Fresh {@code GET /api/v1/users/{id}} answers: a user's status, last sign-in and password change
 * as Okta sees them now, not as of the last sync. Concurrent checks of one user share one request,
 * and an answer is reused for {@code ttl} (service clock), so a burst of leaks for one account
 * costs Okta one read. The entry of a user is dropped after every authn attempt, which may change
 * what Okta says (last sign-in, lockout).
 */
final class FreshUsers {

  private record Entry(Future<Optional<OktaUser>> user, Instant fetchedAt) {}

  private static final int MAX_ENTRIES = 50_000;

  private final Clock clock;
  private final Duration ttl;
  private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();

  FreshUsers(Clock clock, Duration ttl) {
    this.clock = clock;
    this.ttl = ttl;
  }

  /** The user now, or within the TTL; failures are not kept. Callbacks run on the caller's context. */
  Future<Optional<OktaUser>> get(OktaOrg org, String userId) {
    String key = key(org, userId);
    Instant now = clock.instant();
    if (entries.size() > MAX_ENTRIES) {
      entries.values().removeIf(e -> e.user().isComplete() && expired(e, now));
    }
    Entry entry = entries.compute(key, (k, e) -> e != null && !expired(e, now) ? e
        : new Entry(org.getUser(userId), now));
    Future<Optional<OktaUser>> shared = entry.user();
    shared.onFailure(error -> entries.remove(key, entry));
    return onCallerContext(shared);
  }

  /** Whether a call to {@link #get} would be answered without a request to Okta. */
  boolean cached(OktaOrg org, String userId) {
    Entry e = entries.get(key(org, userId));
    return e != null && !expired(e, clock.instant()) && !e.user().failed();
  }

  void forget(OktaOrg org, String userId) {
    entries.remove(key(org, userId));
  }

  private boolean expired(Entry e, Instant now) {
    return e.user().failed() || !now.isBefore(e.fetchedAt().plus(ttl)) || now.isBefore(e.fetchedAt());
  }

  private static String key(OktaOrg org, String userId) {
    return org.tenantId() + "|" + org.domain() + "|" + org.clientId() + "|" + userId;
  }

  /** A future shared across event loops completes on one of them; hand the result to the caller's. */
  static <T> Future<T> onCallerContext(Future<T> shared) {
    var context = Vertx.currentContext();
    if (context == null || shared.isComplete()) {
      return shared.isComplete() ? (shared.succeeded() ? Future.succeededFuture(shared.result())
          : Future.failedFuture(shared.cause())) : shared;
    }
    return Future.fromCompletionStage(shared.toCompletionStage(), context);
  }
}
