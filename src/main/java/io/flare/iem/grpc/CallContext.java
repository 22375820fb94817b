package io.flare.iem.grpc;

import io.flare.iem.callerauth.Caller;
import io.flare.iem.failure.Failure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.spi.context.storage.ContextLocal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the edge knows about the gRPC call being served (method, caller's request id, caller),
 * kept in a request-scoped context local so that logs and errors can name it. Outside a call
 * there is no caller: {@link #caller()} is {@link Caller#NONE}, which acts for no tenant. The
 * locals are registered when this class loads, which must happen before the first {@code Vertx}
 * is created: call {@link #init()} first.
 */
public final class CallContext {

  /** One call, as seen by the edge. */
  public record Call(String method, String requestId, Caller caller) {}

  /** What runs when the call's HTTP/2 stream ends; written and read on the call's context only. */
  private static final class Ending {
    boolean ended;
    final List<Runnable> actions = new ArrayList<>(1);
  }

  private static final ContextLocal<Call> LOCAL = ContextLocal.registerLocal(Call.class);
  private static final ContextLocal<Ending> ENDING = ContextLocal.registerLocal(Ending.class);

  private CallContext() {}

  /** Loads the class, registering the context locals. Call before creating Vert.x. */
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

  /**
   * The caller of the current call; {@link Caller#NONE} (no tenant, no scope) outside a call. The
   * service's own work (workers, the schedule) never acts as a caller: it records the submitter of
   * the work it does, or {@link Caller#SERVICE_SUBJECT}, explicitly.
   */
  public static Caller caller() {
    return current().map(Call::caller).orElse(Caller.NONE);
  }

  /** The caller of the current call if it may act for {@code tenantId}; else PERMISSION_DENIED. */
  public static Caller callerFor(String tenantId) {
    return actingFor(caller(), tenantId);
  }

  /**
   * {@code caller} (read earlier from the call) if it may act for {@code tenantId}; else
   * PERMISSION_DENIED, as always for {@link Caller#NONE}.
   */
  public static Caller actingFor(Caller caller, String tenantId) {
    if (caller == Caller.NONE) {
      throw new Failure.PermissionDenied("NO_CALLER", "no caller: this runs outside a call, so it may act for no"
          + " tenant");
    }
    if (!caller.mayActFor(tenantId)) {
      throw new Failure.PermissionDenied("TENANT_NOT_ALLOWED", "the caller may not act for this tenant");
    }
    return caller;
  }

  /** The current RPC's full method name, or "-" outside a call. */
  public static String method() {
    return current().map(Call::method).orElse("-");
  }

  /**
   * Marks the start of one call's HTTP/2 stream on its (request-scoped) context, so that what the
   * call arranges for its life can be undone when it ends ({@link GrpcEdge#serve}).
   */
  static void streamStarted(Context context) {
    context.putLocal(ENDING, new Ending());
  }

  /** The call's stream ended (response ended, or reset): runs what was registered, once. On its context. */
  static void streamEnded(Context context) {
    Ending ending = context.getLocal(ENDING);
    if (ending == null || ending.ended) {
      return;
    }
    ending.ended = true;
    ending.actions.forEach(Runnable::run);
    ending.actions.clear();
  }

  /**
   * Runs {@code action} when the call's stream ends (at once if it has ended already); false when
   * the stream is not tracked (a server without {@link #streamStarted}), where it never runs. On
   * the call's context.
   */
  static boolean onStreamEnd(Context context, Runnable action) {
    Ending ending = context.getLocal(ENDING);
    if (ending == null) {
      return false;
    }
    if (ending.ended) {
      action.run();
    } else {
      ending.actions.add(action);
    }
    return true;
  }
}
