package io.flare.iem.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.flare.iem.callerauth.Caller;
import io.flare.iem.failure.Failure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.StatusException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a call to the tenants its caller may act for. The first request message is read and
 * checked before the service sees the call at all; the service then gets a proxy of the request
 * whose {@code handler} checks every further message (each one of a client stream) before
 * delivering it. A message for another tenant ends the call with PERMISSION_DENIED.
 *
 * <p>The proxy keeps the service's view of flow control: the stream looks flowing until the
 * service pauses it, and the first message is delivered when the service asks for messages.
 */
final class TenantCheckedRequest implements InvocationHandler {

  private static final Logger LOG = LoggerFactory.getLogger(TenantCheckedRequest.class);
  private static final String TENANT_FIELD = "tenant_id";

  private final Context context;
  private final GrpcServerRequest<?, ?> request;
  private final Caller caller;
  private Object proxy;
  private Object first;
  private boolean admitted;
  private boolean ended;
  private boolean refused;
  private Handler<Object> handler;
  private boolean paused;
  private long credit;

  private TenantCheckedRequest(Context context, GrpcServerRequest<?, ?> request, Caller caller) {
    this.context = context;
    this.request = request;
    this.caller = caller;
  }

  /**
   * Reads the first message of the (paused) request, checks its tenant and, if the caller may
   * act for it, hands the service a checking proxy of the request. Returns the check, through
   * which the edge may {@link #end} the call later.
   */
  static <Req, Resp> TenantCheckedRequest admit(Context context, GrpcServerRequest<Req, Resp> request, Caller caller,
      Handler<GrpcServerRequest<Req, Resp>> next) {
    TenantCheckedRequest gate = new TenantCheckedRequest(context, request, caller);
    request.pause();
    request.handler(message -> {
      request.pause();
      if (gate.permits(message)) {
        gate.first = message;
        gate.admitted = true;
        next.handle(gate.proxy(request));
      }
    });
    request.endHandler(ignored -> {
      if (!gate.admitted && !gate.refused) {
        gate.ended = true; // a stream that sent no message: nothing to check
        gate.admitted = true;
        next.handle(gate.proxy(request));
      }
    });
    request.fetch(1);
    return gate;
  }

  /**
   * Ends the call with {@code why} (the caller's token expired): no further message reaches the
   * service, and what it already accepted stays accepted. On the call's context.
   */
  void end(Failure why) {
    if (refused) {
      return;
    }
    refused = true;
    LOG.atInfo().addKeyValue("rpc", request.fullMethodName()).addKeyValue("caller", caller.subject())
        .addKeyValue("reason", why.reason()).log("call ended: {}", why.getMessage());
    fail(request, why);
  }

  /** Ends the call with the status {@link GrpcErrors} picks; a call the client already left is ignored. */
  static void fail(GrpcServerRequest<?, ?> request, Throwable error) {
    try {
      request.response().fail(GrpcErrors.statusOf(error));
    } catch (IllegalStateException alreadyClosed) {
      // cancelled or past its deadline: nobody is listening any more
    }
  }

  private boolean permits(Object message) {
    if (refused) {
      return false;
    }
    String tenantId = tenantOf(message);
    Failure denial = null;
    if (tenantId == null) {
      denial = new Failure.PermissionDenied("TENANT_REQUIRED", "this request names no tenant, so no caller may"
          + " make it");
    } else if (tenantId.isEmpty()) {
      denial = new Failure.InvalidArgument(TENANT_FIELD, "is required");
    } else if (!caller.mayActFor(tenantId)) {
      denial = new Failure.PermissionDenied("TENANT_NOT_ALLOWED", "the caller may not act for tenant '"
          + printable(tenantId) + "'");
    }
    if (denial == null) {
      return true;
    }
    refused = true;
    LOG.atInfo().addKeyValue("rpc", request.fullMethodName()).addKeyValue("caller", caller.subject())
        .addKeyValue("reason", denial.reason()).log("call refused: {}", denial.getMessage());
    fail(request, denial);
    return false;
  }

  private static String tenantOf(Object message) {
    if (!(message instanceof Message proto)) {
      return null;
    }
    Descriptors.FieldDescriptor field = proto.getDescriptorForType().findFieldByName(TENANT_FIELD);
    if (field == null || field.getJavaType() != Descriptors.FieldDescriptor.JavaType.STRING || field.isRepeated()) {
      return null;
    }
    return (String) proto.getField(field);
  }

  /** The tenant id as quoted in a message: at most 64 printable ASCII characters. */
  private static String printable(String tenantId) {
    String shown = tenantId.chars().allMatch(c -> c > 31 && c < 127) ? tenantId : "(not printable)";
    return shown.length() > 64 ? shown.substring(0, 64) + "..." : shown;
  }

  /** The request as the service sees it; {@code typed} only fixes the generic types. */
  @SuppressWarnings("unchecked")
  private <Req, Resp> GrpcServerRequest<Req, Resp> proxy(GrpcServerRequest<Req, Resp> typed) {
    if (proxy == null) {
      proxy = Proxy.newProxyInstance(GrpcServerRequest.class.getClassLoader(),
          new Class<?>[] {GrpcServerRequest.class}, this);
    }
    return (GrpcServerRequest<Req, Resp>) proxy;
  }

  // ---- the service's view of the request ----------------------------------------------------

  @Override
  @SuppressWarnings("unchecked")
  public Object invoke(Object self, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
      case "handler" -> {
        setHandler((Handler<Object>) args[0]);
        return self;
      }
      case "endHandler" -> {
        setEndHandler((Handler<Void>) args[0]);
        return self;
      }
      case "pause" -> {
        paused = true;
        request.pause();
        return self;
      }
      case "resume" -> {
        paused = false;
        credit = 0;
        drain();
        return self;
      }
      case "fetch" -> {
        long amount = (Long) args[0];
        credit = credit + amount < 0 ? Long.MAX_VALUE : credit + amount; // saturate: fetch(Long.MAX_VALUE) is common
        drain();
        return self;
      }
      case "messageHandler" -> throw new UnsupportedOperationException(
          "raw messages would bypass the tenant check: use handler(...)");
      case "last" -> {
        return request.last().compose(message -> permits(message) ? Future.succeededFuture(message)
            : Future.failedFuture(new StatusException(GrpcStatus.PERMISSION_DENIED)));
      }
      default -> {
        if (method.isDefault() && !method.isBridge()) {
          return InvocationHandler.invokeDefault(self, method, args); // pipe(), collect()...: through this proxy
        }
        try {
          Object result = method.invoke(request, args);
          return result == request ? self : result;
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      }
    }
  }

  private void setHandler(Handler<Object> serviceHandler) {
    handler = serviceHandler;
    if (serviceHandler == null) {
      request.handler(null);
      return;
    }
    request.handler(message -> {
      if (permits(message)) {
        serviceHandler.handle(message);
      }
    });
    context.runOnContext(ignored -> drain());
  }

  private void setEndHandler(Handler<Void> serviceEndHandler) {
    if (ended) {
      if (serviceEndHandler != null) {
        context.runOnContext(ignored -> serviceEndHandler.handle(null));
      }
    } else {
      request.endHandler(serviceEndHandler);
    }
  }

  /** Delivers the checked first message when the service wants it, then lets the stream flow as asked. */
  private void drain() {
    if (refused || handler == null) {
      return;
    }
    if (first != null) {
      if (paused && credit == 0) {
        return;
      }
      Object message = first;
      first = null;
      if (paused) {
        credit--;
      }
      deliver(message);
    }
    if (first == null && !ended) {
      if (!paused) {
        request.resume();
      } else if (credit > 0) {
        long amount = credit;
        credit = 0;
        request.fetch(amount);
      }
    }
  }

  private void deliver(Object message) {
    try {
      handler.handle(message);
    } catch (Exception e) {
      fail(request, e);
    }
  }
}
