package io.flare.iem.failure;

/**
 * What domain code fails with. Only the gRPC edge ({@code io.flare.iem.grpc.GrpcErrors}) turns these into status
 * codes. Each carries an AIP-193 style {@code reason} and a message for developers: it names the
 * field and the rule, and never holds a secret.
 */
public abstract sealed class Failure extends RuntimeException {

  private final String reason;

  private Failure(String reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }

  /** Bad input: names the field and the rule. */
  public static final class InvalidArgument extends Failure {
    private final String field;
    private final String rule;

    public InvalidArgument(String field, String rule) {
      super("INVALID_ARGUMENT", field + ": " + rule, null);
      this.field = field;
      this.rule = rule;
    }

    public String field() {
      return field;
    }

    public String rule() {
      return rule;
    }
  }

  /** The resource does not exist for this tenant. */
  public static final class NotFound extends Failure {
    public NotFound(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** The resource exists already. */
  public static final class AlreadyExists extends Failure {
    public AlreadyExists(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** The tenant is not entitled to a feature, or the caller may not act for the tenant. */
  public static final class PermissionDenied extends Failure {
    public PermissionDenied(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** The caller presented no valid credentials. */
  public static final class Unauthenticated extends Failure {
    public Unauthenticated(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** A concurrent change won: the etag is stale. */
  public static final class Aborted extends Failure {
    public Aborted(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** The system is not in a state that allows the operation (for example a misconfigured Okta app). */
  public static final class FailedPrecondition extends Failure {
    public FailedPrecondition(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** A quota or rate limit is spent. */
  public static final class ResourceExhausted extends Failure {
    public ResourceExhausted(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** A dependency (Postgres, Redis, Okta) is down or did not answer in time; retrying may work. */
  public static final class Unavailable extends Failure {
    public Unavailable(String reason, String message, Throwable cause) {
      super(reason, message, cause);
    }
  }

  /** The capability is not built yet. */
  public static final class Unimplemented extends Failure {
    public Unimplemented(String message) {
      super("UNIMPLEMENTED", message, null);
    }
  }
}
