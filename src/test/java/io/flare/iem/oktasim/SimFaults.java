package io.flare.iem.oktasim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Faults the simulated org injects, for resilience tests: latency, 5xx answers, dropped
 * connections, replies lost after a change was applied, 429 storms, and a hang (requests accepted,
 * and neither answered nor closed until released). Deterministic: counts ("the
 * next N requests") or a seeded rate.
 */
public final class SimFaults {

  private final Object lock;
  long latencyMillis;
  int failNext;
  int failStatus = 500;
  double failRate;
  int dropNext;
  final Map<String, Integer> loseReplies = new HashMap<>();
  long stormUntil;
  Set<SimBucket> stormBuckets = EnumSet.allOf(SimBucket.class);
  private final SplittableRandom random = new SplittableRandom(7);
  boolean hanging;
  private Set<String> hangingEndpoints = Set.of();
  private final List<Runnable> held = new ArrayList<>();

  SimFaults(Object lock) {
    this.lock = lock;
  }

  /** Every response waits this long first (in-flight requests then count toward the concurrency limit). */
  public SimFaults latency(Duration latency) {
    synchronized (lock) {
      latencyMillis = latency.toMillis();
    }
    return this;
  }

  /** The next {@code count} requests (token and authn included) get {@code status} (500, 502, 503, 504). */
  public SimFaults failNext(int count, int status) {
    synchronized (lock) {
      failNext = count;
      failStatus = status;
    }
    return this;
  }

  /** Each request fails with {@code status} with probability {@code rate} (seeded, repeatable). */
  public SimFaults failRate(double rate, int status) {
    synchronized (lock) {
      failRate = rate;
      failStatus = status;
    }
    return this;
  }

  /** The next {@code count} requests have their connection closed without an answer. */
  public SimFaults dropNext(int count) {
    synchronized (lock) {
      dropNext = count;
    }
    return this;
  }

  /**
   * The next {@code count} successful {@code operation}s on a user ({@code suspend}, {@code unsuspend},
   * {@code unlock}, {@code sessions}, {@code global-token-revocation}, ...) are applied, and then their
   * connection is closed instead of answered: the caller cannot know the change happened.
   */
  public SimFaults loseReplyAfterApplying(String operation, int count) {
    synchronized (lock) {
      loseReplies.put(operation, count);
    }
    return this;
  }

  /** Every rate-limited request in {@code buckets} (all if none given) is answered 429 for {@code duration}. */
  public SimFaults force429(Duration duration, SimBucket... buckets) {
    synchronized (lock) {
      stormUntil = System.currentTimeMillis() + duration.toMillis();
      stormBuckets = buckets.length == 0 ? EnumSet.allOf(SimBucket.class) : EnumSet.copyOf(Set.of(buckets));
    }
    return this;
  }

  /**
   * The org hangs, as a frozen process would: every request from now on is read (and counted as
   * received) but neither answered nor closed until {@link #release()}.
   */
  public SimFaults hang() {
    return hang(new String[0]);
  }

  /** As {@link #hang()}, for requests to these endpoints only ({@code "POST /api/v1/authn"}); all if none given. */
  public SimFaults hang(String... methodAndPaths) {
    synchronized (lock) {
      hanging = true;
      hangingEndpoints = Set.of(methodAndPaths);
    }
    return this;
  }

  /**
   * Ends a hang: the requests it held are handled now, in the order they arrived, as a thawed
   * server would (a caller that gave up on one no longer sees its answer, but Okta acted on it).
   */
  public SimFaults release() {
    List<Runnable> resumed;
    synchronized (lock) {
      hanging = false;
      resumed = new ArrayList<>(held);
      held.clear();
    }
    resumed.forEach(Runnable::run);
    return this;
  }

  /** Holds {@code handling} if the org hangs for this endpoint (call with the lock held); false if it is to run now. */
  boolean hold(String methodAndPath, Runnable handling) {
    boolean hold = hanging && (hangingEndpoints.isEmpty() || hangingEndpoints.contains(methodAndPath));
    if (hold) {
      held.add(handling);
    }
    return hold;
  }

  /** Removes every fault (a hang is released). */
  public SimFaults clear() {
    release();
    synchronized (lock) {
      latencyMillis = 0;
      failNext = 0;
      failRate = 0;
      dropNext = 0;
      loseReplies.clear();
      stormUntil = 0;
    }
    return this;
  }

  boolean drop() {
    if (dropNext > 0) {
      dropNext--;
      return true;
    }
    return false;
  }

  /** Whether the reply to this applied {@code operation} is to be lost (call with the lock held). */
  boolean loseReply(String operation) {
    Integer left = loseReplies.get(operation);
    if (left == null || left <= 0) {
      return false;
    }
    loseReplies.put(operation, left - 1);
    return true;
  }

  boolean fail() {
    if (failNext > 0) {
      failNext--;
      return true;
    }
    return failRate > 0 && random.nextDouble() < failRate;
  }

  boolean storming(SimBucket bucket, long now) {
    return now < stormUntil && stormBuckets.contains(bucket);
  }
}
