package io.flare.iem.grpc;

import io.flare.iem.callerauth.Caller;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.spi.context.storage.ContextLocal;
import java.util.Optional;

/**
 * What the edge knows about the gRPC call being served (method, caller's request id, caller),
 * kept in a request-scoped context local so that logs and errors can name it. The local is
 * registered when this class loads, which must happen before the first {@code Vertx} is created:
 * call {@link #init()} first.
 */
public final class CallContext {

  /** One call, as seen by the edge. */
  public record Call(String method, String requestId, Caller caller) {}

  private static final ContextLocal<Call> LOCAL = ContextLocal.registerLocal(Call.class);

  private CallContext() {}

  /** Loads the class, registering the context local. Call before creating Vert.x. */
  public static void init() {
    // class initialisation does the work
  }

  static void put(Context context, Call call) {
    context.putLocal(LOCAL, call);
  }

  public static Optional<Call> current() {
    Context context = Vertx.currentContext();
    if (context == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(context.getLocal(LOCAL));
    } catch (IllegalArgumentException | IllegalStateException notRegistered) {
      return Optional.empty();
    }
  }

  /** The caller of the current call; {@link Caller#SYSTEM} for work the service does by itself. */
  public static Caller caller() {
    return current().map(Call::caller).orElse(Caller.SYSTEM);
  }

  /** The current RPC's full method name, or "-" outside a call. */
  public static String method() {
    return current().map(Call::method).orElse("-");
  }
}
