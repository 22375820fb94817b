package io.flare.iem.okta;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who is calling Okta and how much of each bucket it may use, plus what it spent. A share is a
 * fraction of what Okta grants our app per bucket ({@code X-Rate-Limit-Limit}): a caller with
 * share 0.3 of {@link Bucket#USERS_LIST} only sends while at least 70 % of the window's limit
 * stays unspent, leaving the rest to everyone else (real employees, other callers).
 *
 * <p>Each {@code Usage} counts its own requests and waits; make one per run (for example per sync
 * run) and read {@link #requests()} and {@link #rateLimitWaits()} at the end.
 */
public final class Usage {

  /** The share a caller gets for a bucket it did not name. */
  public static final double DEFAULT_SHARE = 0.5;

  private final String name;
  private final Map<Bucket, Double> shares;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong rateLimitWaits = new AtomicLong();
  private final AtomicLong waitedMillis = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong served429 = new AtomicLong();

  private Usage(String name, Map<Bucket, Double> shares) {
    this.name = name;
    this.shares = shares;
  }

  /** A caller with the default share of every bucket. */
  public static Usage named(String name) {
    return new Usage(name, new EnumMap<>(Bucket.class));
  }

  /** A copy (with fresh counters) that may use {@code fraction} (0 &lt; f &le; 1) of {@code bucket}. */
  public Usage withShare(Bucket bucket, double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1], got " + fraction);
    }
    Map<Bucket, Double> copy = new EnumMap<>(Bucket.class);
    copy.putAll(shares);
    copy.put(bucket, fraction);
    return new Usage(name, copy);
  }

  /** A copy with fresh counters and the same shares. */
  public Usage fresh() {
    Map<Bucket, Double> copy = new EnumMap<>(Bucket.class);
    copy.putAll(shares);
    return new Usage(name, copy);
  }

  public String name() {
    return name;
  }

  public double share(Bucket bucket) {
    return shares.getOrDefault(bucket, DEFAULT_SHARE);
  }

  /** HTTP requests sent to Okta (every attempt, token requests included). */
  public long requests() {
    return requests.get();
  }

  /** Times a request waited for a rate-limit window: held back by the share, or answered 429. */
  public long rateLimitWaits() {
    return rateLimitWaits.get();
  }

  /** Total time requests spent waiting for rate-limit windows. */
  public long waitedMillis() {
    return waitedMillis.get();
  }

  /** Retries after a 5xx, a connection failure or a timeout. */
  public long retries() {
    return retries.get();
  }

  /** 429 responses received. */
  public long rateLimited() {
    return served429.get();
  }

  void countRequest() {
    requests.incrementAndGet();
  }

  void countWait(long millis) {
    rateLimitWaits.incrementAndGet();
    waitedMillis.addAndGet(Math.max(0, millis));
  }

  void countRetry() {
    retries.incrementAndGet();
  }

  void count429() {
    served429.incrementAndGet();
  }

  @Override
  public String toString() {
    return "Usage[" + name + ", requests=" + requests + ", rateLimitWaits=" + rateLimitWaits + "]";
  }
}
