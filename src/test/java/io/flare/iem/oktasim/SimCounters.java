package io.flare.iem.oktasim;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the simulated org saw, for assertions: requests per endpoint, authn calls per username,
 * 429s served, lifecycle calls per user, and accepted requests per rate-limit window and app.
 * Endpoint keys are {@code "METHOD /path/pattern"}, for example {@code "GET /api/v1/users"} or
 * {@code "POST /api/v1/users/{id}/lifecycle/suspend"}.
 */
public final class SimCounters {

  private final Object lock;
  private final Map<String, Long> requests = new HashMap<>();
  private final Map<String, Long> authn = new HashMap<>();
  private final Map<String, Long> received = new HashMap<>();
  private final Map<String, java.util.List<String>> traceparents = new HashMap<>();
  private final Map<String, Long> lifecycle = new HashMap<>();
  private final Map<String, TreeMap<Long, Integer>> windows = new HashMap<>();
  private long served429;
  private long authnCancels;
  private long tokensIssued;
  private final Map<String, Long> tokensByKey = new HashMap<>();
  private int maxInFlight;
  private volatile ServeListener serveListener;

  /**
   * Told of every request the org answered: its endpoint ({@code "METHOD /path"}), its body and the
   * simulator's own time for it, from the arrival of the request's headers to the end of its answer
   * (benchmarks subtract it from their end-to-end times). Called on the answering thread: keep it short.
   */
  public interface ServeListener {
    void served(String endpoint, io.vertx.core.buffer.Buffer body, long nanos);
  }

  /** Sets (null: removes) the one {@link ServeListener}. */
  public void onServed(ServeListener listener) {
    this.serveListener = listener;
  }

  ServeListener serveListener() {
    return serveListener;
  }

  SimCounters(Object lock) {
    this.lock = lock;
  }

  /** Requests received for one endpoint, whatever the answer. */
  public long requests(String endpoint) {
    synchronized (lock) {
      return requests.getOrDefault(endpoint, 0L);
    }
  }

  /** Every endpoint's request count. */
  public Map<String, Long> requests() {
    synchronized (lock) {
      return new TreeMap<>(requests);
    }
  }

  /**
   * Requests that reached the org on this path ({@code "POST /api/v1/authn"}), counted on arrival:
   * before injected latency or a dropped connection, so a call whose answer never came back counts.
   */
  public long received(String methodAndPath) {
    synchronized (lock) {
      return received.getOrDefault(methodAndPath, 0L);
    }
  }

  /** {@code POST /api/v1/authn} calls for this username (case-insensitive), rate-limited ones included. */
  public long authnCalls(String username) {
    synchronized (lock) {
      return authn.getOrDefault(username.toLowerCase(Locale.ROOT), 0L);
    }
  }

  /** Every {@code POST /api/v1/authn} call. */
  public long authnCalls() {
    synchronized (lock) {
      return authn.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** {@code POST /api/v1/authn/cancel} calls that cancelled a live transaction. */
  public long authnCancels() {
    synchronized (lock) {
      return authnCancels;
    }
  }

  /** 429 answers served (rate limits, storms, concurrency, per-user authn throttling). */
  public long served429() {
    synchronized (lock) {
      return served429;
    }
  }

  /** Successful lifecycle calls for a user: {@code op} is {@code suspend}, {@code unsuspend}, {@code unlock},
   *  {@code expire_password}, {@code deactivate}, {@code sessions} (cleared) or {@code sessions+oauthTokens}. */
  public long lifecycle(String userId, String op) {
    synchronized (lock) {
      return lifecycle.getOrDefault(userId + " " + op, 0L);
    }
  }

  /** Access tokens issued to client assertions signed with the key {@code kid}. */
  public long tokensIssued(String kid) {
    synchronized (lock) {
      return tokensByKey.getOrDefault(kid, 0L);
    }
  }

  public long tokensIssued() {
    synchronized (lock) {
      return tokensIssued;
    }
  }

  /** The most requests in flight at once (meaningful with injected latency). */
  public int maxInFlight() {
    synchronized (lock) {
      return maxInFlight;
    }
  }

  /** Accepted (non-429) requests per rate-limit window start (epoch millis) of one principal and bucket. */
  public Map<Long, Integer> acceptedPerWindow(String clientId, SimBucket bucket) {
    synchronized (lock) {
      return new TreeMap<>(windows.getOrDefault(clientId + "|" + bucket, new TreeMap<>()));
    }
  }

  /** Forgets every count. */
  public void reset() {
    synchronized (lock) {
      requests.clear();
      authn.clear();
      received.clear();
      lifecycle.clear();
      windows.clear();
      served429 = 0;
      authnCancels = 0;
      tokensIssued = 0;
      tokensByKey.clear();
      maxInFlight = 0;
    }
  }

  void request(String endpoint) {
    requests.merge(endpoint, 1L, Long::sum);
  }

  void arrived(String methodAndPath) {
    received.merge(methodAndPath, 1L, Long::sum);
  }

  void traceparent(String methodAndPath, String header) {
    if (header != null) {
      traceparents.computeIfAbsent(methodAndPath, k -> new java.util.ArrayList<>()).add(header);
    }
  }

  /**
   * The W3C {@code traceparent} headers of the requests that reached the org on this path
   * ({@code "POST /api/v1/authn"}), in arrival order; requests without one are not listed.
   */
  public java.util.List<String> traceparents(String methodAndPath) {
    synchronized (lock) {
      return java.util.List.copyOf(traceparents.getOrDefault(methodAndPath, java.util.List.of()));
    }
  }

  void authn(String username) {
    authn.merge(username.toLowerCase(Locale.ROOT), 1L, Long::sum);
  }

  void cancel() {
    authnCancels++;
  }

  void recordLifecycle(String userId, String op) {
    lifecycle.merge(userId + " " + op, 1L, Long::sum);
  }

  void record429() {
    served429++;
  }

  void tokenIssued(String kid) {
    tokensIssued++;
    tokensByKey.merge(String.valueOf(kid), 1L, Long::sum);
  }

  void inFlight(int now) {
    maxInFlight = Math.max(maxInFlight, now);
  }

  void accepted(String principal, SimBucket bucket, long windowStart) {
    windows.computeIfAbsent(principal + "|" + bucket, k -> new TreeMap<>()).merge(windowStart, 1, Integer::sum);
  }
}
