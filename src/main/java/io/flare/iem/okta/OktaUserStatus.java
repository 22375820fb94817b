package io.flare.iem.okta;

/** A user's status as Okta reported it ({@code ACTIVE}, {@code SUSPENDED}, ...) and the {@code X-Okta-Request-Id} of the read. */
public record OktaUserStatus(String status, String requestId) {}
