package io.flare.iem.callerauth;

import com.nimbusds.jose.jwk.JWKSet;
import io.flare.iem.failure.Failure;
import io.vertx.core.Future;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token issuer's public keys, cached. They are read again when a token names a key we do not
 * have (the issuer rotated), at most once per {@code minRefreshInterval} so that forged key ids
 * cannot hammer the issuer, and once they are older than {@code maxAge} (the refresh interval): the
 * call that finds them that old waits for the fresh read, and the read replaces the whole set, so
 * a key the issuer removed stops verifying within one refresh interval, even while tokens naming
 * it are remembered. A read that fails keeps the keys we had, but only until {@code maxStaleness}
 * after the last good read: past that, keys are refused ({@link Failure.Unavailable}, the caller
 * is not at fault) rather than trusted on an old set. A file source follows the same rule: it is
 * read again on the same schedule. Thread-safe: one instance serves every event loop.
 */
public final class IssuerKeys {

  private static final Logger LOG = LoggerFactory.getLogger(IssuerKeys.class);

  /** Reads the JWKS document; never blocks the calling thread. */
  public interface Source {
    Future<String> fetch();

    /** Where the keys come from, for logs (a path or a URL; never key material). */
    String describe();
  }

  private record Snapshot(JWKSet keys, long fetchedAtMillis) {}

  private final Source source;
  private final Clock clock;
  private final Duration minRefreshInterval;
  private final Duration maxAge;
  private final Duration maxStaleness;
  private final AtomicReference<Snapshot> current = new AtomicReference<>();
  private final Object lock = new Object();
  private Future<JWKSet> inFlight;
  private long lastAttemptMillis = Long.MIN_VALUE;
  private volatile int fetches;

  /**
   * @param maxAge the refresh interval: keys older than this are read again before they are used
   * @param maxStaleness how long after the last good read keys may still be used while reads fail
   */
  public IssuerKeys(Source source, Clock clock, Duration minRefreshInterval, Duration maxAge, Duration maxStaleness) {
    this.source = source;
    this.clock = clock;
    this.minRefreshInterval = minRefreshInterval;
    this.maxAge = maxAge;
    this.maxStaleness = maxStaleness;
  }

  /** Loads the keys for the first time; fails when they cannot be read or parsed. */
  public Future<JWKSet> load() {
    return refresh(Refresh.NOW);
  }

  /**
   * The cached keys while they are younger than the refresh interval; else (and when none are
   * cached yet) the keys read again now. When that read fails, the keys we had while they are
   * within the staleness bound, else {@link Failure.Unavailable}.
   */
  public Future<JWKSet> keys() {
    Snapshot snapshot = current.get();
    if (snapshot != null && clock.millis() - snapshot.fetchedAtMillis() <= maxAge.toMillis()) {
      return Future.succeededFuture(snapshot.keys());
    }
    return refresh(Refresh.UNLESS_RECENT).recover(error -> usable());
  }

  /**
   * Keys again after a token named a key we lack: a fresh read, unless one happened within the
   * minimum refresh interval, in which case the cached keys (within the staleness bound).
   */
  public Future<JWKSet> refreshForUnknownKey() {
    return refresh(Refresh.UNLESS_RECENT).recover(error -> usable());
  }

  /** The keys we have, unless the last good read is older than the staleness bound (or there is none). */
  private Future<JWKSet> usable() {
    Snapshot snapshot = current.get();
    if (snapshot == null) {
      return unavailable();
    }
    if (clock.millis() - snapshot.fetchedAtMillis() > maxStaleness.toMillis()) {
      return Future.failedFuture(new Failure.Unavailable("CALLER_KEYS_STALE", "the token issuer's keys could not be"
          + " read again for longer than " + maxStaleness.toSeconds() + " seconds; calls are refused until they"
          + " are; retry later", null));
    }
    return Future.succeededFuture(snapshot.keys());
  }

  /** How many times the source was read; for tests and diagnostics. */
  int fetches() {
    return fetches;
  }

  /** Whether a refresh reads the source even if it was read within the minimum refresh interval. */
  private enum Refresh { NOW, UNLESS_RECENT }

  private Future<JWKSet> refresh(Refresh when) {
    synchronized (lock) {
      if (inFlight != null) {
        return inFlight;
      }
      long now = clock.millis();
      Snapshot snapshot = current.get();
      boolean recent = lastAttemptMillis != Long.MIN_VALUE && now - lastAttemptMillis < minRefreshInterval.toMillis();
      if (when == Refresh.UNLESS_RECENT && recent) {
        return snapshot != null && now - snapshot.fetchedAtMillis() <= maxAge.toMillis()
            ? Future.succeededFuture(snapshot.keys()) : usable();
      }
      lastAttemptMillis = now;
      fetches++;
      Future<JWKSet> fetch;
      try {
        fetch = source.fetch().map(IssuerKeys::parse);
      } catch (RuntimeException e) {
        fetch = Future.failedFuture(e);
      }
      Future<JWKSet> result = fetch
          .onSuccess(keys -> current.set(new Snapshot(keys, clock.millis())))
          .onFailure(error -> LOG.atWarn().addKeyValue("jwks", source.describe())
              .log("could not read the caller-token issuer's keys: {}", describe(error)))
          .andThen(ignored -> {
            synchronized (lock) {
              inFlight = null;
            }
          });
      if (!result.isComplete()) {
        inFlight = result;
      }
      return result;
    }
  }

  private static JWKSet parse(String json) {
    try {
      // public halves only, even if someone mounted a private JWK set by mistake
      return JWKSet.parse(json).toPublicJWKSet();
    } catch (ParseException e) {
      throw new IllegalArgumentException("the issuer's JWKS is not a valid JWK set");
    }
  }

  private static String describe(Throwable error) {
    return error instanceof IllegalArgumentException ? error.getMessage() : error.getClass().getSimpleName()
        + (error.getMessage() == null ? "" : ": " + error.getMessage());
  }

  private static <T> Future<T> unavailable() {
    return Future.failedFuture(new Failure.Unavailable("CALLER_KEYS_UNAVAILABLE",
        "the token issuer's keys could not be read; retry later", null));
  }

  @Override
  public String toString() {
    return "IssuerKeys[" + source.describe() + "]";
  }
}
