package io.flare.iem.grpc;

import io.flare.iem.callerauth.Caller;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.UUID;

/** The gate of dev mode without caller auth: every call acts as {@link Caller#DEV}. */
public final class OpenGate implements GrpcEdge.Gate {

  @Override
  public <Req, Resp> void handle(GrpcServerRequest<Req, Resp> request, Handler<GrpcServerRequest<Req, Resp>> next) {
    CallContext.put(Vertx.currentContext(), new CallContext.Call(request.fullMethodName(), requestId(request), Caller.DEV));
    next.handle(request);
  }

  /** The caller's {@code x-request-id} when it sent a sane one, else a fresh id. */
  public static String requestId(GrpcServerRequest<?, ?> request) {
    String given = request.headers().get("x-request-id");
    if (given != null && given.length() <= 128 && given.chars().allMatch(c -> c > 32 && c < 127)) {
      return given;
    }
    return UUID.randomUUID().toString();
  }
}
