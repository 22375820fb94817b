package io.flare.iem.credentialcheck;

import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.ItemError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcReadStream;
import io.vertx.grpc.server.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One CheckCredentials stream, flow-controlled end to end: at most {@code maxInFlight} requests
 * are decided at once, and the request stream is paused while that many are in flight or while
 * the response's write queue is full, so a fast writer or a slow reader slows the stream through
 * HTTP/2 flow control instead of filling memory. Requests are handed over in batches: those that
 * arrived in one event-loop turn (one read from the connection), at most {@code maxBatch}, so the
 * handler can record a batch in one statement. Every request gets exactly one response, matched by
 * {@code request_id}, in completion order (a leak that reaches Okta does not hold back the
 * NOT_FOUND answers behind it); a bad item gets an {@link ItemError} and the stream goes on. All
 * state lives on the call's event loop.
 */
final class CheckCredentialsStream {

  private final ReadStream<CheckCredentialsRequest> requests;
  private final WriteStream<CheckCredentialsResponse> responses;
  private final Function<List<CheckCredentialsRequest>, List<Future<CheckCredentialsResponse>>> handler;
  private final int maxInFlight;
  private final int maxBatch;
  private final Context context;
  private List<CheckCredentialsRequest> batch = new ArrayList<>();
  private boolean dispatchScheduled;
  private int inFlight;
  private boolean paused;
  private boolean inputEnded;
  private boolean closed;

  private CheckCredentialsStream(ReadStream<CheckCredentialsRequest> requests, WriteStream<CheckCredentialsResponse> responses,
      Function<List<CheckCredentialsRequest>, List<Future<CheckCredentialsResponse>>> handler, int maxInFlight,
      int maxBatch) {
    this.requests = requests;
    this.responses = responses;
    this.handler = handler;
    this.maxInFlight = maxInFlight;
    this.maxBatch = Math.max(1, maxBatch);
    this.context = Vertx.currentContext();
  }

  /**
   * Serves the stream; {@code handler} answers a batch of requests with one future per request, in
   * their order (a failed one becomes an item error).
   */
  static void serve(ReadStream<CheckCredentialsRequest> requests, WriteStream<CheckCredentialsResponse> responses,
      Function<List<CheckCredentialsRequest>, List<Future<CheckCredentialsResponse>>> handler, int maxInFlight,
      int maxBatch) {
    new CheckCredentialsStream(requests, responses, handler, maxInFlight, maxBatch).start();
  }

  private void start() {
    responses.drainHandler(v -> resumeIfRoom());
    requests.exceptionHandler(error -> closed = true);
    if (requests instanceof GrpcReadStream<CheckCredentialsRequest> grpc) {
      grpc.errorHandler(error -> closed = true); // cancelled by the client, or its deadline expired
    }
    requests.endHandler(v -> {
      inputEnded = true;
      dispatch();
      endIfDone();
    });
    requests.handler(this::onRequest);
  }

  private void onRequest(CheckCredentialsRequest request) {
    inFlight++;
    if (inFlight >= maxInFlight) {
      pause();
    }
    batch.add(request);
    if (batch.size() >= maxBatch || context == null) {
      dispatch();
    } else if (!dispatchScheduled) {
      dispatchScheduled = true; // the rest of this read's requests join the batch
      context.runOnContext(v -> {
        dispatchScheduled = false;
        dispatch();
      });
    }
  }

  /** Hands the waiting requests over as one batch; each answer is written as soon as it is ready. */
  private void dispatch() {
    if (batch.isEmpty()) {
      return;
    }
    List<CheckCredentialsRequest> taken = batch;
    batch = new ArrayList<>();
    List<Future<CheckCredentialsResponse>> answers;
    try {
      answers = handler.apply(taken);
    } catch (RuntimeException error) {
      answers = taken.stream().map(r -> Future.<CheckCredentialsResponse>failedFuture(error)).toList();
    }
    for (int i = 0; i < taken.size(); i++) {
      String requestId = taken.get(i).getRequestId();
      answers.get(i)
          .otherwise(error -> itemError(requestId, error))
          .onComplete(ar -> {
            inFlight--;
            write(ar.result());
            resumeIfRoom();
            endIfDone();
          });
    }
  }

  private void write(CheckCredentialsResponse response) {
    if (closed) {
      return;
    }
    try {
      responses.write(response);
    } catch (IllegalStateException cancelled) {
      closed = true; // writing after a cancel throws: the client is gone
      return;
    }
    if (responses.writeQueueFull()) {
      pause();
    }
  }

  private void pause() {
    if (!paused) {
      paused = true;
      requests.pause();
    }
  }

  private void resumeIfRoom() {
    if (paused && !closed && !inputEnded && inFlight < maxInFlight && !responses.writeQueueFull()) {
      paused = false;
      requests.resume();
    }
  }

  private void endIfDone() {
    if (inputEnded && inFlight == 0 && !closed) {
      closed = true;
      try {
        responses.end();
      } catch (IllegalStateException cancelled) {
        // the client went away after its last request
      }
    }
  }

  /** The error answer of one item: the status the edge would have picked, with its message. */
  static CheckCredentialsResponse itemError(String requestId, Throwable error) {
    StatusException status = GrpcErrors.statusOf(error);
    return CheckCredentialsResponse.newBuilder()
        .setRequestId(requestId)
        .setError(ItemError.newBuilder().setCode(status.status().code).setMessage(
            status.message() == null ? "" : status.message()))
        .build();
  }
}
