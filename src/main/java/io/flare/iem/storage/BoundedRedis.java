package io.flare.iem.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;

/**
 * A Redis Cluster client that keeps fewer commands in flight than a node's connection pool holds.
 *
 * <p>Why: the Vert.x cluster client (5.0.7) sends each command over a cluster connection that holds
 * one pooled connection to every master, and that connection, before sending, waits for the hash
 * slots to be read again once their cache expires (every second); reading them needs a pooled
 * connection too. With as many commands in flight as a pool holds, every pooled connection belongs
 * to a command waiting for a read that can never get one: every Redis call of the replica hangs,
 * for good (vert-x3/vertx-redis-client#541, fixed upstream after 5.0.7). {@code
 * DailyCapOnRedisClusterTest} saw it with 200 concurrent reservations. Admitting at most {@code
 * pool - 1} commands at a time always leaves the slot read a connection; the others wait here, in
 * order, each resumed on the context it was sent from. A full queue fails the command (the daily cap
 * then fails closed: the check waits).
 */
final class BoundedRedis implements Redis {

  private final Vertx vertx;
  private final Redis delegate;
  private final int maxInFlight;
  private final int maxWaiting;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int inFlight;

  BoundedRedis(Vertx vertx, Redis delegate, int maxInFlight, int maxWaiting) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1");
    }
    this.vertx = vertx;
    this.delegate = delegate;
    this.maxInFlight = maxInFlight;
    this.maxWaiting = maxWaiting;
  }

  @Override
  public Future<Response> send(Request command) {
    return bounded(() -> delegate.send(command));
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return bounded(() -> delegate.batch(commands));
  }

  /** A connection of the caller's own, outside the bound (the service never takes one). */
  @Override
  public Future<RedisConnection> connect() {
    return delegate.connect();
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }

  private <T> Future<T> bounded(Supplier<Future<T>> call) {
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    synchronized (this) {
      if (inFlight >= maxInFlight) {
        if (waiting.size() >= maxWaiting) {
          return context.failedFuture("Redis waiting queue is full (" + maxWaiting + " commands)");
        }
        PromiseInternal<T> promise = context.promise();
        waiting.add(() -> context.runOnContext(ignored -> start(call).onComplete(promise)));
        return promise.future();
      }
      inFlight++;
    }
    return start(call);
  }

  /** Runs a command that holds a place in flight; the place passes on when it completes. */
  private <T> Future<T> start(Supplier<Future<T>> call) {
    Future<T> result;
    try {
      result = call.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.andThen(ignored -> release());
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        inFlight--;
      }
    }
    if (next != null) {
      next.run();
    }
  }
}
