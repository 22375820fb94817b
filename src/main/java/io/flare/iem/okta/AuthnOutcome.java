package io.flare.iem.okta;

import java.time.Instant;

/**
 * What {@code POST /api/v1/authn} said about a username and password (okta-api.md §4). The call is
 * never retried, whatever happened: a retry would spend another failed attempt on the account.
 */
public sealed interface AuthnOutcome {

  /**
   * Which outcome this is, for an exhaustive {@code switch} (Java 17 has no pattern matching over
   * sealed types in {@code switch}; a switch expression over this enum must cover every case).
   */
  enum Kind { VALID, INVALID, LOCKED_OUT, RATE_LIMITED, UNKNOWN, NOT_SENT, DENIED }

  Kind kind();

  /** {@code X-Okta-Request-Id}, for the audit row; null when no response arrived. */
  String requestId();

  /** The password is correct: Okta answered SUCCESS, MFA_*, PASSWORD_EXPIRED or PASSWORD_WARN. */
  record Valid(String status, String requestId) implements AuthnOutcome {
    @Override
    public Kind kind() {
      return Kind.VALID;
    }
  }

  /**
   * 401 {@code E0000004}. As {@link OktaOrg#authn} returns it, unconfirmed: a wrong password, or (with
   * hidden lockout failures) a locked account, or a sign-on policy, network zone or device denial
   * (okta-api.md §4). {@code confirmed} once Okta's System Log says the credentials were wrong
   * ({@link SystemLog#explain}); {@code note} says what is known of why it is not (null when nothing).
   */
  record Invalid(String requestId, boolean confirmed, String note) implements AuthnOutcome {

    /** The 401 as Okta answered it: not confirmed. */
    public Invalid(String requestId) {
      this(requestId, false, null);
    }

    @Override
    public Kind kind() {
      return Kind.INVALID;
    }
  }

  /**
   * A 401 {@code E0000004} that Okta's System Log explains as a denial (a sign-on policy, a network
   * zone, a device rule), {@code reason} saying which: it tells nothing of the password.
   */
  record Denied(String reason, String requestId) implements AuthnOutcome {
    @Override
    public Kind kind() {
      return Kind.DENIED;
    }
  }

  /** Okta says {@code LOCKED_OUT}: stop trying this account. */
  record LockedOut(String requestId) implements AuthnOutcome {
    @Override
    public Kind kind() {
      return Kind.LOCKED_OUT;
    }
  }

  /** 429, or our share of the authn bucket is spent: nothing was learnt. */
  record RateLimited(Instant retryAfter, String requestId) implements AuthnOutcome {
    @Override
    public Kind kind() {
      return Kind.RATE_LIMITED;
    }
  }

  /** Okta could not be reached or answered something else: nothing was learnt; never report it as invalid. */
  record Unknown(String reason, String requestId) implements AuthnOutcome {
    @Override
    public Kind kind() {
      return Kind.UNKNOWN;
    }
  }

  /** The caller gave the call up while it waited for its turn in the org's authn limit: Okta saw nothing. */
  record NotSent() implements AuthnOutcome {
    @Override
    public Kind kind() {
      return Kind.NOT_SENT;
    }

    @Override
    public String requestId() {
      return null;
    }
  }
}
