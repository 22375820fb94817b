package io.flare.iem.okta;

import java.time.Duration;
import java.time.Instant;

/**
 * What {@code POST /api/v1/authn} said about a username and password (okta-api.md §4). The call is
 * never retried, whatever happened: a retry would spend another failed attempt on the account.
 * Okta evaluated the password only for {@link Valid}, {@link Invalid} and {@link LockedOut} (and
 * perhaps for {@link Unknown}); {@link RateLimited} and {@link Blocked} were refused before it, and
 * {@link NotSent} never left.
 */
public sealed interface AuthnOutcome {

  /**
   * Which outcome this is, for an exhaustive {@code switch} (Java 17 has no pattern matching over
   * sealed types in {@code switch}; a switch expression over this enum must cover every case).
   */
  enum Kind { VALID, INVALID, LOCKED_OUT, RATE_LIMITED, BLOCKED, UNKNOWN, NOT_SENT, DENIED }

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

  /**
   * 429: nothing was learnt. {@code perUsername} when it was Okta's per-username throttle (the
   * username is held back until {@code retryAfter}, the others go on), otherwise the org's authn
   * bucket. {@code retryAfter} is Okta's reset, in real time.
   */
  record RateLimited(Instant retryAfter, String requestId, boolean perUsername) implements AuthnOutcome {

    public RateLimited(Instant retryAfter, String requestId) {
      this(retryAfter, requestId, false);
    }

    @Override
    public Kind kind() {
      return Kind.RATE_LIMITED;
    }
  }

  /**
   * 403: Okta refuses authn calls from our address (ThreatInsight or a blocked network zone) before
   * it reads the credentials. The org's authn calls are paused; the next probe may go in
   * {@code retryIn} (see {@link OktaOrg#authnBlock()}).
   */
  record Blocked(Duration retryIn, String requestId) implements AuthnOutcome {
    @Override
    public Kind kind() {
      return Kind.BLOCKED;
    }
  }

  /** Okta could not be reached or answered something else: nothing was learnt; never report it as invalid. */
  record Unknown(String reason, String requestId) implements AuthnOutcome {
    @Override
    public Kind kind() {
      return Kind.UNKNOWN;
    }
  }

  /**
   * Okta saw nothing: the caller gave the call up while it waited for its turn in the org's authn
   * limit ({@link Why#ABANDONED}), Okta's per-username throttle still holds the username back
   * ({@link Why#USERNAME_THROTTLED}), or the org's authn calls are paused because Okta refuses our
   * address ({@link Why#ORG_BLOCKED}). It could go in {@code retryIn}.
   */
  record NotSent(Why why, Duration retryIn) implements AuthnOutcome {

    /** Why a call was not sent. */
    public enum Why { ABANDONED, USERNAME_THROTTLED, ORG_BLOCKED }

    public NotSent() {
      this(Why.ABANDONED, Duration.ZERO);
    }

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
