package io.flare.iem.grpc;

import io.vertx.core.Handler;
import io.vertx.grpc.server.GrpcServerRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Vert.x's reflection service answers the first request of a reflection stream and ends it; a
 * client that keeps using the stream (buf does) makes it write to a closed stream and log an
 * error for each. This gate hands the service only the first request, so such clients simply see
 * the stream end (they open a new one) and the log stays quiet.
 */
public final class ReflectionGate implements GrpcEdge.Gate {

  @Override
  @SuppressWarnings("unchecked")
  public <Req, Resp> void handle(GrpcServerRequest<Req, Resp> request, Handler<GrpcServerRequest<Req, Resp>> next) {
    boolean[] delivered = new boolean[1];
    GrpcServerRequest<Req, Resp> firstOnly = (GrpcServerRequest<Req, Resp>) Proxy.newProxyInstance(
        GrpcServerRequest.class.getClassLoader(), new Class<?>[] {GrpcServerRequest.class}, (self, method, args) -> {
          if (method.getName().equals("handler") && args != null && args.length == 1 && args[0] instanceof Handler h) {
            Handler<Object> messages = (Handler<Object>) h;
            request.handler(message -> {
              if (!delivered[0]) {
                delivered[0] = true;
                messages.handle(message);
              }
            });
            return self;
          }
          try {
            Object result = method.invoke(request, args);
            return result == request ? self : result;
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    next.handle(firstOnly);
  }
}
