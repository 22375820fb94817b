package io.flare.iem.okta;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Keeps one org's calls within what Okta grants, per bucket, from the {@code X-Rate-Limit-*} and
 * {@code Date} headers of every response, and within a concurrency limit. A request that may not
 * go yet waits in a FIFO queue and is released by a response or by a timer at the window's reset:
 * nothing is dropped and nothing spins. Thread-safe: callers may come from any event loop; each
 * waiter is resumed on its own context.
 *
 * <p>What it takes as a bucket's limit: the headers of Okta's per-username authn throttle are not
 * the bucket's ({@link #perUsername}); within one window the limit never shrinks below what Okta
 * granted in it; a 429 never lowers it (it grants nothing, and only says "not now"); a lower limit
 * is taken from the first granted response of a later window. Why "in that window" rather than
 * "ever": the ceiling may legitimately go down (an admin lowers the app's share of a bucket, or the
 * org's limit, on Okta's rate-limit dashboard), and a ceiling kept from before would then put the
 * share's reserve above what Okta grants, so that nothing is ever sent again.
 */
final class RateLimiter {

  /** Margin added to a reset instant, for clock rounding. */
  static final long RESET_MARGIN_MS = 150;

  /**
   * Okta's per-username authn throttle: "Authenticate the same user: /api/v1/authn, 4 per second"
   * (developer docs, reference/rl2-limits).
   */
  static final int PER_USERNAME_LIMIT = 4;

  /** Okta's windows are a minute; until a bucket shows a shorter one, its next window is assumed this far off. */
  private static final long LONGEST_WINDOW_MS = 60_000 + RESET_MARGIN_MS;

  private final Vertx vertx;
  private final int maxConcurrent;
  private final LongSupplier clock;
  private final Map<Bucket, State> buckets = new EnumMap<>(Bucket.class);
  private int inFlight;

  private final OktaListener listener;

  RateLimiter(Vertx vertx, int maxConcurrent, LongSupplier clock, OktaListener listener) {
    this.listener = listener;
    this.vertx = vertx;
    this.maxConcurrent = maxConcurrent;
    this.clock = clock;
    for (Bucket b : Bucket.values()) {
      buckets.put(b, new State());
    }
  }

  /** What a bucket looks like now, for callers and tests. */
  record Snapshot(int limit, int remaining, long resetAtMillis, int inFlight, int queued) {}

  /** A granted slot; {@link #release} it exactly once with the response headers (or null). */
  final class Permit {
    private final Bucket bucket;
    private boolean released;

    private Permit(Bucket bucket) {
      this.bucket = bucket;
    }

    void release(MultiMap headers, int status) {
      synchronized (RateLimiter.this) {
        if (released) {
          return;
        }
        released = true;
        inFlight--;
        State s = buckets.get(bucket);
        s.inFlight--;
        if (headers != null && !perUsername(bucket, headers)) {
          observe(s, headers, status);
        }
      }
      drain();
    }
  }

  private static final class State {
    int limit = -1;           // unknown until the first response
    int remaining;
    long resetAt;             // local millis when the current window ends
    boolean resetGuessed;     // resetAt is one window after the last reset Okta gave, not Okta's word
    long window;              // the longest time to a reset seen: the window's length, as far as we know
    long blockedUntil;        // local millis: after a 429, nothing goes before this
    int inFlight;
    long timerAt;             // when the pending wake-up timer fires, 0 if none
    final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  }

  private record Waiter(double share, Promise<Permit> promise, Context context, long since, Usage usage) {}

  /** A permit for one request in {@code bucket}, when {@code share} of the bucket allows it. */
  Future<Permit> acquire(Bucket bucket, Usage usage) {
    double share = usage.share(bucket);
    Permit granted = null;
    Promise<Permit> promise = null;
    synchronized (this) {
      State s = buckets.get(bucket);
      if (s.queue.isEmpty() && allowed(s, share)) {
        granted = grant(bucket, s);
      } else {
        promise = Promise.promise();
        Context ctx = vertx.getOrCreateContext();
        s.queue.add(new Waiter(share, promise, ctx, clock.getAsLong(), usage));
      }
    }
    if (granted != null) {
      return Future.succeededFuture(granted);
    }
    drain();
    return promise.future();
  }

  /**
   * As {@link #acquire(Bucket, Usage)}, unless {@code abandon} (may be null) completes while the
   * request still waits for its turn: it then leaves the queue unsent and fails with
   * {@link OktaException.Kind#NOT_SENT}. A permit granted before that stands.
   */
  Future<Permit> acquire(Bucket bucket, Usage usage, Future<?> abandon) {
    if (abandon == null) {
      return acquire(bucket, usage);
    }
    if (abandon.isComplete()) {
      return Future.failedFuture(notSent());
    }
    Future<Permit> permit = acquire(bucket, usage);
    if (!permit.isComplete()) {
      abandon.onComplete(ignored -> withdraw(bucket, permit));
    }
    return permit;
  }

  /** Takes a waiting request out of the queue, if it is still there, and fails it. */
  private void withdraw(Bucket bucket, Future<Permit> permit) {
    Waiter withdrawn = null;
    synchronized (this) {
      Iterator<Waiter> it = buckets.get(bucket).queue.iterator();
      while (it.hasNext()) {
        Waiter w = it.next();
        if (w.promise.future() == permit) {
          it.remove();
          withdrawn = w;
          break;
        }
      }
    }
    if (withdrawn != null) {
      Promise<Permit> promise = withdrawn.promise;
      withdrawn.context.runOnContext(v -> promise.fail(notSent()));
      drain(); // those behind it may fit now
    }
  }

  private static OktaException notSent() {
    return OktaException.of(OktaException.Kind.NOT_SENT, "given up while waiting for the rate limit");
  }

  /**
   * Whether a response's rate-limit headers describe Okta's per-username throttle on authn rather
   * than the org's authn bucket. The rule: on {@link Bucket#AUTHN}, an {@code X-Rate-Limit-Limit}
   * from 1 to {@link #PER_USERNAME_LIMIT}. Okta limits authn for one username to 4 a second
   * (reference/rl2-limits) and its authn reference shows that throttle's 429 with
   * {@code X-Rate-Limit-Limit: 1}; the org's authn bucket is per minute and at least 100 (the
   * smallest figure Okta published, for Integrator Free orgs; rate-limits pages before the Dec
   * 2025 rewrite), and authn is called without a token, so no app share divides it. A concurrency
   * 429 reports 0 and is the org's.
   */
  static boolean perUsername(Bucket bucket, MultiMap headers) {
    if (bucket != Bucket.AUTHN) {
      return false;
    }
    String limit = headers.get("X-Rate-Limit-Limit");
    try {
      int l = limit == null ? 0 : Integer.parseInt(limit.trim());
      return l >= 1 && l <= PER_USERNAME_LIMIT;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Records a 429: nothing more goes in this bucket before its reset. A per-username 429 is not
   * the bucket's: the caller holds that username back instead ({@link UsernameHolds}).
   */
  void rateLimited(Bucket bucket, MultiMap headers) {
    if (perUsername(bucket, headers)) {
      return;
    }
    synchronized (this) {
      State s = buckets.get(bucket);
      long until = resetAtLocal(headers);
      if (until <= 0) {
        until = clock.getAsLong() + 1000;
      }
      s.blockedUntil = Math.max(s.blockedUntil, until);
      s.remaining = 0;
    }
    drain();
  }

  /** Whether a request of {@code share} in {@code bucket} would be granted now, without waiting. */
  synchronized boolean wouldGrant(Bucket bucket, double share) {
    State s = buckets.get(bucket);
    return s.queue.isEmpty() && allowed(s, share);
  }

  synchronized Snapshot snapshot(Bucket bucket) {
    State s = buckets.get(bucket);
    return new Snapshot(s.limit, s.remaining, s.resetAt, s.inFlight, s.queue.size());
  }

  private Permit grant(Bucket bucket, State s) {
    inFlight++;
    s.inFlight++;
    return new Permit(bucket);
  }

  /** Whether one more request fits: under the concurrency limit and inside the caller's share. */
  private boolean allowed(State s, double share) {
    long now = clock.getAsLong();
    if (inFlight >= maxConcurrent) {
      return false;
    }
    if (now < s.blockedUntil) {
      return false;
    }
    if (s.limit < 0) {
      return s.inFlight == 0; // probe one at a time until Okta tells us the limit
    }
    if (now >= s.resetAt) {
      s.remaining = s.limit; // a new window started; it ends one window later, until Okta says otherwise
      long window = s.window > 0 ? s.window : LONGEST_WINDOW_MS;
      s.resetAt = s.resetAt + window * Math.max(1, (now - s.resetAt) / window + 1);
      s.resetGuessed = true;
    }
    // a share smaller than one request still sends one per window, once nothing of it was spent
    double reserve = Math.min(s.limit * (1.0 - share), s.limit - 1.0);
    return s.remaining - s.inFlight - 1 >= reserve - 1e-9;
  }

  private void observe(State s, MultiMap headers, int status) {
    String limit = headers.get("X-Rate-Limit-Limit");
    String remaining = headers.get("X-Rate-Limit-Remaining");
    long resetAt = resetAtLocal(headers);
    if (limit == null || remaining == null || resetAt <= 0) {
      return;
    }
    int l;
    int r;
    try {
      l = Integer.parseInt(limit.trim());
      r = Integer.parseInt(remaining.trim());
    } catch (NumberFormatException e) {
      return;
    }
    if (l <= 0) { // concurrency 429: 0/0 and an estimated reset
      s.blockedUntil = Math.max(s.blockedUntil, resetAt);
      return;
    }
    long now = clock.getAsLong();
    s.window = Math.min(LONGEST_WINDOW_MS, Math.max(s.window, resetAt - now));
    boolean newWindow = s.limit < 0 || s.resetGuessed || resetAt > s.resetAt + 500;
    // never below what Okta granted in this window; a 429 grants nothing and never lowers it
    s.limit = s.limit < 0 || (newWindow && status != 429) ? l : Math.max(s.limit, l);
    if (newWindow) {
      s.remaining = r;
      s.resetAt = resetAt;
      s.resetGuessed = false;
    } else {
      s.remaining = Math.min(s.remaining, r);
      s.resetAt = Math.max(s.resetAt, resetAt);
    }
    if (status == 429) {
      s.remaining = 0;
    }
  }

  /** The local instant of {@code X-Rate-Limit-Reset}, corrected by the server's {@code Date}; 0 if absent. */
  long resetAtLocal(MultiMap headers) {
    String reset = headers.get("X-Rate-Limit-Reset");
    if (reset == null) {
      return 0;
    }
    long resetMillis;
    try {
      resetMillis = Long.parseLong(reset.trim()) * 1000;
    } catch (NumberFormatException e) {
      return 0;
    }
    long now = clock.getAsLong();
    long serverNow = now;
    String date = headers.get("Date");
    if (date != null) {
      try {
        serverNow = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      } catch (RuntimeException ignored) {
        // no usable Date: trust our own clock
      }
    }
    return now + Math.max(0, resetMillis - serverNow) + RESET_MARGIN_MS;
  }

  /** Grants every waiter that fits now, in FIFO order per bucket, and arms timers for the rest. */
  private void drain() {
    List<Runnable> resumes = new ArrayList<>();
    long earliest = Long.MAX_VALUE;
    synchronized (this) {
      long now = clock.getAsLong();
      for (Map.Entry<Bucket, State> e : buckets.entrySet()) {
        State s = e.getValue();
        Iterator<Waiter> it = s.queue.iterator();
        while (it.hasNext()) {
          Waiter w = it.next();
          if (!allowed(s, w.share)) {
            break;
          }
          it.remove();
          Permit p = grant(e.getKey(), s);
          long waited = now - w.since;
          w.usage.countWait(waited);
          listener.waited(e.getKey(), waited);
          resumes.add(() -> w.context.runOnContext(v -> w.promise.complete(p)));
        }
        if (!s.queue.isEmpty()) { // those still waiting are woken at the window's reset, or when the 429 wait ends
          long wake = Math.max(s.blockedUntil, s.limit >= 0 ? s.resetAt : 0);
          if (wake > now && (s.timerAt == 0 || s.timerAt > wake || s.timerAt <= now)) {
            s.timerAt = wake;
            earliest = Math.min(earliest, wake);
          }
        }
      }
    }
    resumes.forEach(Runnable::run);
    if (earliest != Long.MAX_VALUE) {
      long delay = Math.max(1, earliest - clock.getAsLong());
      vertx.setTimer(delay, id -> drain());
    }
  }
}
