package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One org connection's access tokens (one tenant's app): cached per set of scopes, refreshed before
 * they expire, one fetch in flight per set at a time. A fresh token granted more scopes serves any
 * call that needs fewer of them. Thread-safe: callers may come from any event loop.
 */
final class OrgTokens {

  /** Asks Okta for a token for {@code scopes} (a client assertion signed with the tenant's key). */
  @FunctionalInterface
  interface Fetch {
    Future<AccessToken> fetch(Set<String> scopes, Usage usage);
  }

  /** How long a refused set of scopes is not asked for together again: the next night's sync tries once more. */
  static final Duration REFUSED_TOGETHER_FOR = Duration.ofHours(20);

  private static final class Entry {
    AccessToken token;
    Future<AccessToken> inflight;
  }

  private final Vertx vertx;
  private final Clock clock;
  private final Duration refreshBefore;
  private final Fetch fetch;
  private final Map<String, Entry> tokens = new HashMap<>();
  /** Scope sets Okta refused in one token, and until when they are not asked for again together. */
  private final Map<String, Instant> refusedTogether = new HashMap<>();

  OrgTokens(Vertx vertx, Clock clock, Duration refreshBefore, Fetch fetch) {
    this.vertx = vertx;
    this.clock = clock;
    this.refreshBefore = refreshBefore;
    this.fetch = fetch;
  }

  /**
   * A token for {@code scopes}: a fresh cached one (its own, or one fetched for more scopes by
   * {@link #share}), else fetched; while a fetch is in flight a token still valid for 30 s serves.
   */
  Future<AccessToken> token(Set<String> scopes, Usage usage) {
    String key = String.join(" ", new TreeSet<>(scopes));
    Future<AccessToken> started;
    synchronized (tokens) {
      Instant now = clock.instant();
      for (Entry other : tokens.values()) {
        if (other.token != null && other.token.scopes().containsAll(scopes)
            && now.isBefore(other.token.expiresAt().minus(refreshBefore))) {
          return Future.succeededFuture(other.token);
        }
      }
      Entry e = tokens.computeIfAbsent(key, k -> new Entry());
      boolean usable = e.token != null && now.isBefore(e.token.expiresAt().minusSeconds(30));
      if (e.token != null && now.isBefore(e.token.expiresAt().minus(refreshBefore))) {
        return Future.succeededFuture(e.token); // its own, whatever scopes Okta wrote in the answer
      }
      if (e.inflight != null) {
        return usable ? Future.succeededFuture(e.token) : e.inflight;
      }
      Promise<AccessToken> promise = Promise.promise();
      e.inflight = promise.future();
      started = promise.future();
      AccessToken current = e.token;
      vertx.runOnContext(v -> fetch.fetch(scopes, usage).onComplete(ar -> {
        synchronized (tokens) {
          e.inflight = null;
          if (ar.succeeded()) {
            e.token = ar.result();
          }
        }
        promise.handle(ar);
      }));
      if (usable) {
        return Future.succeededFuture(current);
      }
    }
    return started;
  }

  /**
   * Fetches one token for all of {@code scopes} (a sync's reads: the users and the password
   * policies), which {@link #token} then serves for any of them: one token request where there
   * would be one per scope. Where Okta refuses them together (the app lacks one of them), nothing
   * fails: each call then asks for its own, and the set is not asked for together again for
   * {@link #REFUSED_TOGETHER_FOR}.
   */
  Future<Void> share(Set<String> scopes, Usage usage) {
    String key = String.join(" ", new TreeSet<>(scopes));
    synchronized (tokens) {
      Instant until = refusedTogether.get(key);
      if (until != null && clock.instant().isBefore(until)) {
        return Future.succeededFuture();
      }
    }
    return token(scopes, usage).<Void>mapEmpty().recover(error -> {
      if (error instanceof OktaException e && e.kind() == OktaException.Kind.INVALID_SCOPE) {
        synchronized (tokens) {
          refusedTogether.put(key, clock.instant().plus(REFUSED_TOGETHER_FOR));
        }
      }
      return Future.succeededFuture();
    });
  }

  /** Drops a token Okta no longer accepts. */
  void invalidate(AccessToken token) {
    synchronized (tokens) {
      tokens.values().removeIf(e -> e.token == token && e.inflight == null);
      tokens.values().forEach(e -> {
        if (e.token == token) {
          e.token = null;
        }
      });
    }
  }
}
