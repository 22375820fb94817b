package io.flare.iem.callerauth;

import java.time.Instant;

/**
 * A verified bearer token: the {@link Caller} it speaks for and the instant it stops being valid
 * (its {@code exp} plus the configured clock skew), after which a stream opened with it must end.
 */
public record Authenticated(Caller caller, Instant validUntil) {}
