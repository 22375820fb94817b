package io.flare.iem.okta;

/** A lifecycle call Okta accepted: its HTTP status and {@code X-Okta-Request-Id} (for the audit row). */
public record OktaAck(int status, String requestId) {}
