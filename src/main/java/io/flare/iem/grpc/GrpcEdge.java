package io.flare.iem.grpc;

import com.google.protobuf.Descriptors;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

  /**
   * Hands one HTTP/2 stream to the gRPC server, noting when it ends (its response ended, or the
   * stream was reset): {@code ended} runs then, once, and so does what the call arranged for its
   * life ({@link CallContext#onStreamEnd}, for example a stream's token-expiry timer).
   */
  public static void serve(GrpcServer grpc, HttpServerRequest request, Runnable ended) {
    Context context = Vertx.currentContext();
    CallContext.streamStarted(context);
    boolean[] done = new boolean[1];
    Handler<Void> end = ignored -> {
      if (!done[0]) {
        done[0] = true;
        try {
          ended.run();
        } finally {
          CallContext.streamEnded(context);
        }
      }
    };
    HttpServerResponse response = request.response();
    response.endHandler(end);
    response.closeHandler(end);
    grpc.handle(request);
  }

  /** The full names ({@code package.Service/Method}) of the methods of these services whose calls are streams. */
  public static Set<String> streamingMethods(List<Service> services) {
    Set<String> names = new HashSet<>();
    for (Service service : services) {
      Descriptors.ServiceDescriptor descriptor = service.descriptor();
      for (Descriptors.MethodDescriptor method : descriptor.getMethods()) {
        if (method.isClientStreaming() || method.isServerStreaming()) {
          names.add(descriptor.getFullName() + "/" + method.getName());
        }
      }
    }
    return Set.copyOf(names);
  }

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
