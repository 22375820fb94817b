package io.flare.iem.credentialcheck;

import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.ItemError;
import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcReadStream;
import io.vertx.grpc.server.StatusException;
import java.util.function.Function;

/**
 * One CheckCredentials stream, flow-controlled end to end: at most {@code maxInFlight} requests
 * are decided at once, and the request stream is paused while that many are in flight or while
 * the response's write queue is full, so a fast writer or a slow reader slows the stream through
 * HTTP/2 flow control instead of filling memory. Every request gets exactly one response, matched
 * by {@code request_id}, in completion order; a bad item gets an {@link ItemError} and the stream
 * goes on. All state lives on the call's event loop.
 */
final class CheckCredentialsStream {

  private final ReadStream<CheckCredentialsRequest> requests;
  private final WriteStream<CheckCredentialsResponse> responses;
  private final Function<CheckCredentialsRequest, Future<CheckCredentialsResponse>> handler;
  private final int maxInFlight;
  private int inFlight;
  private boolean paused;
  private boolean inputEnded;
  private boolean closed;

  private CheckCredentialsStream(ReadStream<CheckCredentialsRequest> requests, WriteStream<CheckCredentialsResponse> responses,
      Function<CheckCredentialsRequest, Future<CheckCredentialsResponse>> handler, int maxInFlight) {
    this.requests = requests;
    this.responses = responses;
    this.handler = handler;
    this.maxInFlight = maxInFlight;
  }

  /** Serves the stream; {@code handler} answers one request and never fails (errors become items). */
  static void serve(ReadStream<CheckCredentialsRequest> requests, WriteStream<CheckCredentialsResponse> responses,
      Function<CheckCredentialsRequest, Future<CheckCredentialsResponse>> handler, int maxInFlight) {
    new CheckCredentialsStream(requests, responses, handler, maxInFlight).start();
  }

  private void start() {
    responses.drainHandler(v -> resumeIfRoom());
    requests.exceptionHandler(error -> closed = true);
    if (requests instanceof GrpcReadStream<CheckCredentialsRequest> grpc) {
      grpc.errorHandler(error -> closed = true); // cancelled by the client, or its deadline expired
    }
    requests.endHandler(v -> {
      inputEnded = true;
      endIfDone();
    });
    requests.handler(this::onRequest);
  }

  private void onRequest(CheckCredentialsRequest request) {
    inFlight++;
    if (inFlight >= maxInFlight) {
      pause();
    }
    handler.apply(request)
        .otherwise(error -> itemError(request.getRequestId(), error))
        .onComplete(ar -> {
          inFlight--;
          write(ar.result());
          resumeIfRoom();
          endIfDone();
        });
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
