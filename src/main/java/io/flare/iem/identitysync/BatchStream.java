package io.flare.iem.identitysync;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Streams a listing through batch transactions. Batches are written by up to {@code parallel}
 * transactions at once while the next batch is fetched: the heavy upserts overlap, and each write
 * gets the previous batch's commit, so that its ordered tail (the checkpoint that moves the cursor)
 * waits for it and the cursor only ever covers committed batches. No more than that is held, so
 * memory stays bounded whichever side is slower. A loop over one promise, not a chain of composed
 * futures: a written batch is garbage at once.
 *
 * @param <B> a batch: the users of one or more pages and the cursor after them
 */
final class BatchStream<B> {

  /** Before each fetch: throws to end the stream (cancelled, lease lost, stopping). */
  interface Guard {
    void check();
  }

  private final int parallel;
  private final Guard guard;
  private final Function<String, Future<B>> fetch;
  private final Function<B, String> nextCursor;
  private final BiFunction<B, Future<Void>, Future<Void>> write;
  private final String end;
  private final Promise<Void> done = Promise.promise();
  private final Deque<Future<Void>> writing = new ArrayDeque<>();

  /**
   * @param end the cursor that means the listing is complete
   * @param write writes a batch; its second argument is the previous batch's commit
   */
  BatchStream(int parallel, Guard guard, Function<String, Future<B>> fetch, Function<B, String> nextCursor,
      BiFunction<B, Future<Void>, Future<Void>> write, String end) {
    this.parallel = parallel;
    this.guard = guard;
    this.fetch = fetch;
    this.nextCursor = nextCursor;
    this.write = write;
    this.end = end;
  }

  /** Fetches and writes from {@code at} to the end; completes once no batch transaction is open. */
  Future<Void> from(String at) {
    step(at, Future.succeededFuture());
    return done.future();
  }

  private void step(String at, Future<Void> lastCommit) {
    try {
      guard.check();
    } catch (RuntimeException stop) {
      endAfter(Future.failedFuture(stop));
      return;
    }
    if (end.equals(at)) {
      endAfter(Future.succeededFuture());
      return;
    }
    fetch.apply(at).onComplete(fetched -> {
      if (fetched.failed()) {
        endAfter(Future.failedFuture(fetched.cause()));
        return;
      }
      B batch = fetched.result();
      Future<Void> commit = write.apply(batch, lastCommit);
      writing.addLast(commit);
      Future<Void> room = writing.size() < parallel ? Future.succeededFuture() : writing.peekFirst();
      room.onComplete(ignored -> {
        while (!writing.isEmpty() && writing.peekFirst().isComplete()) {
          Future<Void> written = writing.pollFirst();
          if (written.failed()) {
            endAfter(written);
            return;
          }
        }
        step(nextCursor.apply(batch), commit);
      });
    });
  }

  /** Ends the stream with {@code outcome} once no batch transaction is still open. */
  private void endAfter(Future<Void> outcome) {
    Future.join(new ArrayList<>(writing)).onComplete(ignored -> {
      Future<Void> failedWrite = writing.stream().filter(Future::failed).findFirst().orElse(null);
      if (outcome.failed()) {
        done.fail(outcome.cause());
      } else if (failedWrite != null) {
        done.fail(failedWrite.cause());
      } else {
        done.complete();
      }
    });
  }
}
