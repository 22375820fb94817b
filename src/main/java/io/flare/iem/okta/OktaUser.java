package io.flare.iem.okta;

import java.time.Instant;

/**
 * The parts of an Okta user the service keeps, parsed straight from the response stream (no JSON
 * tree is retained). Timestamps are epoch milliseconds, {@link #NONE} when Okta sent null, so a
 * page of 200 users costs a few small objects each; the {@code Instant} accessors allocate on use.
 * Status is Okta's, as a shared constant ({@code ACTIVE}, {@code DEPROVISIONED}, ...).
 */
public record OktaUser(
    String id,
    String status,
    String login,
    String email,
    String secondEmail,
    String firstName,
    String lastName,
    long createdMillis,
    long activatedMillis,
    long statusChangedMillis,
    long lastLoginMillis,
    long lastUpdatedMillis,
    long passwordChangedMillis) {

  /** A timestamp Okta sent as null (or not at all). */
  public static final long NONE = Long.MIN_VALUE;

  public Instant created() {
    return instant(createdMillis);
  }

  public Instant activated() {
    return instant(activatedMillis);
  }

  public Instant statusChanged() {
    return instant(statusChangedMillis);
  }

  /** Last successful sign-in, or null if the user never signed in. */
  public Instant lastLogin() {
    return instant(lastLoginMillis);
  }

  public Instant lastUpdated() {
    return instant(lastUpdatedMillis);
  }

  /** Last password change, or null. */
  public Instant passwordChanged() {
    return instant(passwordChangedMillis);
  }

  public boolean deprovisioned() {
    return "DEPROVISIONED".equals(status);
  }

  private static Instant instant(long millis) {
    return millis == NONE ? null : Instant.ofEpochMilli(millis);
  }
}
