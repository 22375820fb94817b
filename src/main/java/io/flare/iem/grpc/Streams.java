package io.flare.iem.grpc;

import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.server.GrpcServerResponse;

/** Helpers for streaming RPCs, whose failures cannot travel through a returned future. */
public final class Streams {

  private Streams() {}

  /** Ends a server stream with the status {@link GrpcErrors} picks for {@code error}. */
  public static void fail(WriteStream<?> response, Throwable error) {
    if (response instanceof GrpcServerResponse<?, ?> grpc) {
      grpc.fail(GrpcErrors.statusOf(error));
    } else {
      response.end();
    }
  }
}
