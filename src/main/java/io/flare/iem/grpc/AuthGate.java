package io.flare.iem.grpc;

import io.flare.iem.callerauth.Caller;
import io.flare.iem.callerauth.TokenVerifier;
import io.flare.iem.failure.Failure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production gate: every call of our services must carry {@code authorization: Bearer <JWT>}
 * from Flare's internal issuer (else UNAUTHENTICATED); tenant settings need the {@code iem.admin}
 * scope, and every request message, each one of a stream included, must name a tenant the token
 * lists (else PERMISSION_DENIED). The verified {@link Caller} goes into {@link CallContext} so
 * audit rows name the actor. Health and reflection are not behind the gate.
 */
public final class AuthGate implements GrpcEdge.Gate {

  private static final Logger LOG = LoggerFactory.getLogger(AuthGate.class);

  /** The methods only Flare staff ({@code iem.admin}) may call. */
  static final Set<String> ADMIN_METHODS = Set.of(
      "flare.iem.v1.IntegrationConfigService/GetTenantSettings",
      "flare.iem.v1.IntegrationConfigService/UpdateTenantSettings");

  private static final String BEARER = "bearer ";

  private final TokenVerifier verifier;

  public AuthGate(TokenVerifier verifier) {
    this.verifier = verifier;
  }

  @Override
  public <Req, Resp> void handle(GrpcServerRequest<Req, Resp> request, Handler<GrpcServerRequest<Req, Resp>> next) {
    Context context = Vertx.currentContext();
    request.pause(); // keep messages queued while the token is checked, which may need the issuer's keys
    String method = request.fullMethodName();
    String requestId = OpenGate.requestId(request);
    Future.succeededFuture(request.headers().get("authorization"))
        .map(AuthGate::bearerToken)
        .compose(verifier::verify)
        .map(caller -> requireAdmin(method, caller))
        .onComplete(result -> onContext(context, () -> {
          if (result.failed()) {
            refuse(request, method, requestId, result.cause());
            return;
          }
          Caller caller = result.result();
          CallContext.put(context, new CallContext.Call(method, requestId, caller));
          TenantCheckedRequest.admit(context, request, caller, next);
        }));
  }

  private static String bearerToken(String header) {
    if (header == null || header.isBlank()) {
      throw new Failure.Unauthenticated("MISSING_TOKEN",
          "missing bearer token: send the metadata 'authorization: Bearer <JWT>' from Flare's internal issuer");
    }
    String value = header.trim();
    if (!value.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
      throw new Failure.Unauthenticated("MISSING_TOKEN",
          "the authorization metadata must use the Bearer scheme: 'authorization: Bearer <JWT>'");
    }
    return value.substring(BEARER.length()).trim();
  }

  private static Caller requireAdmin(String method, Caller caller) {
    if (ADMIN_METHODS.contains(method) && !caller.isAdmin()) {
      throw new Failure.PermissionDenied("ADMIN_REQUIRED", "tenant settings are for Flare staff: the caller needs"
          + " the " + Caller.ADMIN_SCOPE + " scope");
    }
    return caller;
  }

  private static void refuse(GrpcServerRequest<?, ?> request, String method, String requestId, Throwable error) {
    if (error instanceof Failure failure) {
      LOG.atInfo().addKeyValue("rpc", method).addKeyValue("request_id", requestId)
          .addKeyValue("reason", failure.reason()).log("call refused: {}", failure.getMessage());
    }
    TenantCheckedRequest.fail(request, error);
  }

  private static void onContext(Context context, Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(ignored -> action.run());
    }
  }
}
