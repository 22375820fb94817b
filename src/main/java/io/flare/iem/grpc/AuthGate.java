package io.flare.iem.grpc;

import io.flare.iem.callerauth.Authenticated;
import io.flare.iem.callerauth.Caller;
import io.flare.iem.callerauth.TokenVerifier;
import io.flare.iem.failure.Failure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.GrpcServerRequest;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production gate: every call of our services must carry {@code authorization: Bearer <JWT>}
 * from Flare's internal issuer (else UNAUTHENTICATED; UNAVAILABLE when the issuer's keys cannot
 * be trusted now); some methods need a scope ({@link #SCOPED_METHODS}, else PERMISSION_DENIED
 * naming it), and every request message, each one of a stream included, must name a tenant the
 * token lists (else PERMISSION_DENIED). A streaming call ends with UNAUTHENTICATED when its token
 * expires ({@code exp} plus the clock skew): the timer is armed for streaming methods only and
 * cancelled when the call ends. The verified {@link Caller} goes into {@link CallContext} so audit
 * rows name the actor. Health and reflection are not behind the gate.
 */
public final class AuthGate implements GrpcEdge.Gate {

  private static final Logger LOG = LoggerFactory.getLogger(AuthGate.class);

  /**
   * The methods that need a scope beyond the tenant, and the scope ({@code iem.admin} holds every
   * scope): tenant settings are for Flare staff, and approving or rejecting a mitigation suspends
   * people (or leaves them compromised), so the tenant alone is not enough.
   */
  static final Map<String, String> SCOPED_METHODS = Map.of(
      "flare.iem.v1.IntegrationConfigService/GetTenantSettings", Caller.ADMIN_SCOPE,
      "flare.iem.v1.IntegrationConfigService/UpdateTenantSettings", Caller.ADMIN_SCOPE,
      "flare.iem.v1.CredentialCheckService/ApproveMitigation", Caller.APPROVE_MITIGATIONS_SCOPE,
      "flare.iem.v1.CredentialCheckService/RejectMitigation", Caller.APPROVE_MITIGATIONS_SCOPE);

  private static final String BEARER = "bearer ";

  private final TokenVerifier verifier;
  private final Set<String> streamingMethods;
  private final Clock clock;
  private final AtomicInteger armed = new AtomicInteger();

  /** @param streamingMethods full names of the methods whose calls are streams ({@link GrpcEdge#streamingMethods}) */
  public AuthGate(TokenVerifier verifier, Set<String> streamingMethods) {
    this(verifier, streamingMethods, Clock.systemUTC());
  }

  AuthGate(TokenVerifier verifier, Set<String> streamingMethods, Clock clock) {
    this.verifier = verifier;
    this.streamingMethods = Set.copyOf(streamingMethods);
    this.clock = clock;
  }

  @Override
  public <Req, Resp> void handle(GrpcServerRequest<Req, Resp> request, Handler<GrpcServerRequest<Req, Resp>> next) {
    Context context = Vertx.currentContext();
    request.pause(); // keep messages queued while the token is checked, which may need the issuer's keys
    String method = request.fullMethodName();
    String requestId = OpenGate.requestId(request);
    Future.succeededFuture(request.headers().get("authorization"))
        .map(AuthGate::bearerToken)
        .compose(verifier::authenticate)
        .map(authenticated -> requireScope(method, authenticated))
        .onComplete(result -> onContext(context, () -> {
          if (result.failed()) {
            refuse(request, method, requestId, result.cause());
            return;
          }
          Caller caller = result.result().caller();
          CallContext.put(context, new CallContext.Call(method, requestId, caller));
          TenantCheckedRequest checked = TenantCheckedRequest.admit(context, request, caller, next);
          if (streamingMethods.contains(method)) {
            endAtExpiry(context, checked, result.result());
          }
        }));
  }

  /**
   * Ends the stream with UNAUTHENTICATED when its token stops being valid, through the request's
   * tenant check (no further message reaches the service; what it accepted stays accepted).
   */
  private void endAtExpiry(Context context, TenantCheckedRequest checked, Authenticated token) {
    long delay = Math.max(1, token.validUntil().toEpochMilli() - clock.millis());
    Vertx vertx = context.owner();
    armed.incrementAndGet();
    boolean[] done = new boolean[1];
    Runnable disarm = () -> {
      if (!done[0]) {
        done[0] = true;
        armed.decrementAndGet();
      }
    };
    long timer = vertx.setTimer(delay, id -> onContext(context, () -> {
      disarm.run();
      checked.end(new Failure.Unauthenticated("TOKEN_EXPIRED", "the bearer token expired during the stream:"
          + " open a new stream with a fresh token (requests already answered or in flight were recorded; send"
          + " them again with the same request_id to read their result)"));
    }));
    CallContext.onStreamEnd(context, () -> {
      vertx.cancelTimer(timer);
      disarm.run();
    });
  }

  /** Streams whose expiry timer is armed and neither fired nor cancelled yet; for tests. */
  int armedTimers() {
    return armed.get();
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

  private static Authenticated requireScope(String method, Authenticated authenticated) {
    String scope = SCOPED_METHODS.get(method);
    if (scope == null || authenticated.caller().has(scope)) {
      return authenticated;
    }
    if (scope.equals(Caller.ADMIN_SCOPE)) {
      throw new Failure.PermissionDenied("ADMIN_REQUIRED", "tenant settings are for Flare staff: the caller needs"
          + " the " + Caller.ADMIN_SCOPE + " scope");
    }
    throw new Failure.PermissionDenied("SCOPE_REQUIRED", "the caller needs the " + scope + " scope (or "
        + Caller.ADMIN_SCOPE + ") to call " + method);
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
