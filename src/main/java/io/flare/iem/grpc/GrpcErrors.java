package io.flare.iem.grpc;

import io.flare.iem.failure.Failure;
import io.flare.iem.okta.OktaException;
import io.flare.iem.storage.StoreErrors;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single place that turns a failure into a gRPC status. Domain {@link Failure}s map to their
 * codes, and so do Okta's failures ({@link OktaException}); a down dependency becomes
 * UNAVAILABLE; anything else is logged once with the RPC name and answered INTERNAL with a
 * generic message, so no internal detail (or secret) leaks to a caller.
 */
public final class GrpcErrors {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /** For {@code .recover(GrpcErrors::toStatus)} at the end of every RPC chain. */
  public static <T> Future<T> toStatus(Throwable error) {
    return Future.failedFuture(statusOf(error));
  }

  /** The status exception a failure is answered with. */
  public static StatusException statusOf(Throwable error) {
    if (error instanceof StatusException status) {
      return status;
    }
    if (error instanceof Failure failure) {
      return new StatusException(code(failure), bounded(failure.getMessage()));
    }
    if (error instanceof OktaException okta) {
      return new StatusException(code(okta), bounded(okta.getMessage()));
    }
    if (StoreErrors.isUnavailable(error)) {
      LOG.atWarn().addKeyValue("rpc", CallContext.method()).setCause(error)
          .log("dependency unavailable: {}", StoreErrors.describe(error));
      return new StatusException(GrpcStatus.UNAVAILABLE, StoreErrors.describe(error) + "; retry later");
    }
    LOG.atError().addKeyValue("rpc", CallContext.method()).setCause(error).log("unexpected failure");
    return new StatusException(GrpcStatus.INTERNAL, "internal error");
  }

  /**
   * A message short enough for the trailers: it may quote the caller's input (an etag, a domain),
   * and a status message longer than the peer's header limit (8 KiB by default, after
   * percent-encoding) resets the stream, which the caller sees as INTERNAL. 500 code points are at
   * most 6,000 bytes once percent-encoded.
   */
  static String bounded(String message) {
    if (message == null || message.codePointCount(0, message.length()) <= MAX_MESSAGE_CODE_POINTS) {
      return message;
    }
    return message.substring(0, message.offsetByCodePoints(0, MAX_MESSAGE_CODE_POINTS)) + "... (shortened)";
  }

  private static final int MAX_MESSAGE_CODE_POINTS = 500;

  private static final Map<Class<? extends Failure>, GrpcStatus> CODES = Map.of(
      Failure.InvalidArgument.class, GrpcStatus.INVALID_ARGUMENT,
      Failure.NotFound.class, GrpcStatus.NOT_FOUND,
      Failure.AlreadyExists.class, GrpcStatus.ALREADY_EXISTS,
      Failure.PermissionDenied.class, GrpcStatus.PERMISSION_DENIED,
      Failure.Unauthenticated.class, GrpcStatus.UNAUTHENTICATED,
      Failure.Aborted.class, GrpcStatus.ABORTED,
      Failure.FailedPrecondition.class, GrpcStatus.FAILED_PRECONDITION,
      Failure.ResourceExhausted.class, GrpcStatus.RESOURCE_EXHAUSTED,
      Failure.Unavailable.class, GrpcStatus.UNAVAILABLE,
      Failure.Unimplemented.class, GrpcStatus.UNIMPLEMENTED);

  static GrpcStatus code(Failure failure) {
    return CODES.get(failure.getClass());
  }

  /**
   * An Okta call that failed while serving a request: rate limited is RESOURCE_EXHAUSTED, Okta
   * unreachable UNAVAILABLE, a user Okta does not know NOT_FOUND; anything else Okta refused (our
   * token, a scope, the user's state) is a misconfigured integration, FAILED_PRECONDITION, never
   * the caller's UNAUTHENTICATED.
   */
  static GrpcStatus code(OktaException okta) {
    return switch (okta.kind()) {
      case RATE_LIMITED -> GrpcStatus.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> GrpcStatus.UNAVAILABLE;
      case NOT_FOUND -> GrpcStatus.NOT_FOUND;
      default -> GrpcStatus.FAILED_PRECONDITION;
    };
  }
}
