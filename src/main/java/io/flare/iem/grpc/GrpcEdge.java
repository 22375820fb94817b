package io.flare.iem.grpc;

import com.google.protobuf.Descriptors;
import io.vertx.core.Handler;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Puts a {@link Gate} in front of every method of a service. Vert.x gRPC 5.0.7 has no interceptor
 * API, so the service is bound to a proxy of the server whose {@code callHandler} registrations are
 * wrapped; the service keeps its name and descriptor, so reflection still lists it.
 */
public final class GrpcEdge {

  /** Runs before a call reaches its service: may answer it (for example UNAUTHENTICATED) or pass it on. */
  public interface Gate {
    <Req, Resp> void handle(GrpcServerRequest<Req, Resp> request, Handler<GrpcServerRequest<Req, Resp>> next);
  }

  private GrpcEdge() {}

  public static Service guard(Service service, Gate gate) {
    return new Service() {
      @Override
      public ServiceName name() {
        return service.name();
      }

      @Override
      public Descriptors.ServiceDescriptor descriptor() {
        return service.descriptor();
      }

      @Override
      public void bind(GrpcServer server) {
        service.bind(proxy(server, gate));
      }
    };
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static GrpcServer proxy(GrpcServer server, Gate gate) {
    return (GrpcServer) Proxy.newProxyInstance(GrpcServer.class.getClassLoader(), new Class<?>[] {GrpcServer.class},
        (self, method, args) -> {
          if (method.getName().equals("callHandler") && args != null && args.length == 2
              && args[1] instanceof Handler next) {
            args = new Object[] {args[0], (Handler<GrpcServerRequest>) req -> gate.handle(req, next)};
          }
          try {
            return method.invoke(server, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
