package io.flare.iem.okta;

/**
 * What Okta's security events endpoint answered a Security Event Token: {@code 202 Accepted}, or a
 * refusal of the token itself ({@code 400} with RFC 8935's {@code {"err", "description"}}), which
 * sending again does not change. A lost reply, a 5xx or a timeout is a failed future instead: the
 * token is sent again with the same {@code jti}.
 */
public sealed interface SecurityEventOutcome {

  /** Okta's {@code X-Okta-Request-Id}, for the audit row. */
  String requestId();

  /** {@code 202}: Okta verified the token and ingests the event. */
  record Accepted(String requestId) implements SecurityEventOutcome {}

  /** {@code 400} (or another 4xx): Okta refused the token; {@code err} is RFC 8935's error code. */
  record Rejected(int status, String err, String description, String requestId) implements SecurityEventOutcome {}
}
