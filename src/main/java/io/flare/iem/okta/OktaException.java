package io.flare.iem.okta;

import java.util.List;

/**
 * A failed Okta call, typed by {@link Kind} and carrying what Okta said: its {@code errorCode}
 * (or the OAuth {@code error}), {@code errorSummary} (or {@code error_description}), causes and
 * the {@code X-Okta-Request-Id}. The message is built from those only, never from a token,
 * assertion, proof or password.
 */
public final class OktaException extends RuntimeException {

  /** What went wrong, for control flow. */
  public enum Kind {
    /** 429: the bucket (or the org's concurrency) is spent. */
    RATE_LIMITED,
    /** 5xx, connection failure or timeout: retrying later may work. */
    UNAVAILABLE,
    /** The token endpoint refused our client authentication ({@code invalid_client}). */
    INVALID_CLIENT,
    /** The token endpoint refused a scope the app is not granted ({@code invalid_scope}). */
    INVALID_SCOPE,
    /** DPoP handshake or proof refused. */
    DPOP,
    /** 401 on an API call: the access token was not accepted. */
    UNAUTHORIZED,
    /** 403 {@code E0000006} or {@code insufficient_scope}: the app lacks a permission. */
    FORBIDDEN,
    /** 404 {@code E0000007}. */
    NOT_FOUND,
    /** The operation is not allowed in the user's status ({@code E0000001}, {@code E0000032}, {@code E0000038}). */
    NOT_ALLOWED,
    /** Another 4xx, for example an invalid cursor or filter. */
    BAD_REQUEST,
    /** A redirect, or a URL off the integration's Okta domain: refused, never followed. */
    DOMAIN_REFUSED,
    /** A response we could not understand. */
    UNEXPECTED,
    /** Never sent: the caller gave the request up while it waited for its turn in the rate limit. */
    NOT_SENT
  }

  private final Kind kind;
  private final int httpStatus;
  private final String errorCode;
  private final String errorSummary;
  private final List<String> causes;
  private final String requestId;

  public OktaException(Kind kind, int httpStatus, String errorCode, String errorSummary, List<String> causes,
      String requestId, Throwable cause) {
    super(message(kind, httpStatus, errorCode, errorSummary, causes, requestId), cause, false, false);
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
    this.errorSummary = errorSummary;
    this.causes = causes == null ? List.of() : List.copyOf(causes);
    this.requestId = requestId;
  }

  static OktaException of(Kind kind, String summary) {
    return new OktaException(kind, 0, null, summary, List.of(), null, null);
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status, 0 when no response arrived. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Okta's {@code errorCode} (for example {@code E0000006}) or OAuth {@code error}; null when none. */
  public String errorCode() {
    return errorCode;
  }

  /** Okta's {@code errorSummary} or OAuth {@code error_description}; null when none. */
  public String errorSummary() {
    return errorSummary;
  }

  /** Okta's {@code errorCauses[].errorSummary}. */
  public List<String> causes() {
    return causes;
  }

  /** {@code X-Okta-Request-Id} of the failed response; null when none arrived. */
  public String requestId() {
    return requestId;
  }

  private static String message(Kind kind, int status, String code, String summary, List<String> causes,
      String requestId) {
    StringBuilder b = new StringBuilder("Okta ").append(kind.name().toLowerCase(java.util.Locale.ROOT));
    if (status > 0) {
      b.append(" (HTTP ").append(status).append(')');
    }
    if (code != null) {
      b.append(": ").append(code);
    }
    if (summary != null) {
      b.append(code != null ? " " : ": ").append(summary);
    }
    if (causes != null && !causes.isEmpty()) {
      b.append(" (").append(String.join("; ", causes)).append(')');
    }
    if (requestId != null) {
      b.append(" [X-Okta-Request-Id ").append(requestId).append(']');
    }
    return b.toString();
  }
}
