package io.flare.iem.bench;

import io.flare.iem.config.AppConfig;
import io.flare.iem.storage.Stores;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The physical reference for check decisions: Redis {@code INCR} with the service's own Redis client
 * ({@link Stores#create}: the same options, pool and waiting-queue sizes) against the same embedded
 * Redis the check benchmark's service uses. An attempt's daily cap is one atomic script per attempt
 * (read, {@code INCR}, expiry), so a decision that reaches Redis cannot be faster than this:
 * <ul>
 *   <li>{@code INCR} as the service issues commands: one command per call, 128 calls in flight
 *       (the check benchmark's concurrency), pipelined on the client's pooled connections;</li>
 *   <li>{@code INCR} in batches of 1,000 per round trip ({@code Redis.batch}), two in flight: what
 *       the client can do at best;</li>
 *   <li>the cap's shape, an {@code EVAL} of {@code INCR} + {@code PEXPIRE}, 128 in flight;</li>
 *   <li>{@code INCR} latency at a fixed 1,000 per second, open loop (from the scheduled send time).</li>
 * </ul>
 * Counters are spread over 10,000 keys, as over identities.
 *
 * <pre>
 * ./mvnw -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.flare.iem.bench.RedisIncrBench
 * </pre>
 */
public final class RedisIncrBench {

  static final int CONCURRENCY = 128;
  static final int BATCH = 1_000;
  static final int KEYS = 10_000;
  static final String CAP_SHAPED = "local n = redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], ARGV[1])"
      + " return n";

  /** Operations per second of each kind, and INCR latency at 1,000 per second. */
  public record Result(double incrPerSecond, double batchedPerSecond, double scriptPerSecond, double p50Millis,
      double p99Millis, int errors) {}

  private RedisIncrBench() {}

  public static void main(String[] args) {
    CredentialCheckBench.quietLogs();
    int exit = 0;
    try {
      Result r = run(TestServers.redis().url(), Integer.getInteger("bench.seconds", 10));
      System.out.printf(Locale.ROOT, "%nRedis with the service's client: INCR %,.0f/s (%d in flight); INCR batched"
          + " %,.0f/s (%,d per round trip); EVAL INCR+PEXPIRE %,.0f/s; INCR at 1,000/s: p50 %.2f ms, p99 %.2f ms;"
          + " errors %d%n", r.incrPerSecond(), CONCURRENCY, r.batchedPerSecond(), BATCH, r.scriptPerSecond(),
          r.p50Millis(), r.p99Millis(), r.errors());
    } catch (Throwable t) {
      t.printStackTrace();
      exit = 1;
    }
    System.exit(exit);
  }

  /** Measures against the Redis at {@code redisUrl}, {@code seconds} per kind (after a short warm-up). */
  public static Result run(String redisUrl, int seconds) throws Exception {
    Vertx vertx = Vertx.vertx();
    // Stores wants a Postgres too; its pool connects lazily and is never used here.
    Stores stores = Stores.create(vertx, new AppConfig.Postgres("127.0.0.1", 5432, "unused", "unused", "unused", 1),
        redisUrl);
    AtomicInteger errors = new AtomicInteger();
    try {
      IntFunction<Future<Response>> incr = i -> stores.redisApi().incr(key(i));
      IntFunction<Future<Response>> script = i -> stores.redisApi().eval(List.of(CAP_SHAPED, "1", key(i), "86400000"));
      concurrent(incr, Math.max(3, seconds / 2), errors); // warm-up: JIT, connections
      double incrRate = concurrent(incr, seconds, errors);
      double batchedRate = batched(stores, seconds, errors);
      double scriptRate = concurrent(script, seconds, errors);
      double[] latency = fixedRate(incr, 1_000, seconds, errors);
      return new Result(incrRate, batchedRate, scriptRate, latency[0], latency[1], errors.get());
    } finally {
      Await.result(stores.close());
      Await.result(vertx.close());
    }
  }

  private static String key(int i) {
    return "iem:{bench}:incr:" + Math.floorMod(i, KEYS);
  }

  private static double concurrent(IntFunction<Future<Response>> call, int seconds, AtomicInteger errors)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    AtomicInteger done = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    int i = 0;
    while (System.nanoTime() < end) {
      inFlight.acquire();
      call.apply(i++).onComplete(r -> {
        if (r.succeeded()) {
          done.incrementAndGet();
        } else {
          errors.incrementAndGet();
        }
        inFlight.release();
      });
    }
    inFlight.acquire(CONCURRENCY);
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static double batched(Stores stores, int seconds, AtomicInteger errors) throws Exception {
    ArrayDeque<Future<List<Response>>> inFlight = new ArrayDeque<>();
    long done = 0;
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    int i = 0;
    while (System.nanoTime() < end) {
      if (inFlight.size() == 2) {
        done += settle(inFlight.pollFirst(), errors);
      }
      List<Request> batch = new ArrayList<>(BATCH);
      for (int k = 0; k < BATCH; k++) {
        batch.add(Request.cmd(Command.INCR).arg(key(i++)));
      }
      inFlight.addLast(stores.redis().batch(batch));
    }
    while (!inFlight.isEmpty()) {
      done += settle(inFlight.pollFirst(), errors);
    }
    return done / ((System.nanoTime() - start) / 1e9);
  }

  private static int settle(Future<List<Response>> batch, AtomicInteger errors) throws Exception {
    try {
      return batch.await(30, TimeUnit.SECONDS).size();
    } catch (RuntimeException e) {
      errors.incrementAndGet();
      return 0;
    }
  }

  /** {p50, p99} in milliseconds, measured from each call's scheduled time. */
  private static double[] fixedRate(IntFunction<Future<Response>> call, int perSecond, int seconds, AtomicInteger errors)
      throws InterruptedException {
    int total = perSecond * seconds;
    long[] micros = new long[total];
    AtomicInteger recorded = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    long interval = 1_000_000_000L / perSecond;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long due = start + i * interval;
      Pace.until(due);
      call.apply(i).onComplete(r -> {
        if (r.failed()) {
          errors.incrementAndGet();
        }
        micros[recorded.getAndIncrement()] = (System.nanoTime() - due) / 1_000;
        done.incrementAndGet();
      });
    }
    while (done.get() < total) {
      Thread.sleep(5);
    }
    long[] sorted = micros.clone();
    Arrays.sort(sorted);
    return new double[] {CredentialCheckBench.percentile(sorted, 0.50) / 1000.0,
        CredentialCheckBench.percentile(sorted, 0.99) / 1000.0};
  }
}
