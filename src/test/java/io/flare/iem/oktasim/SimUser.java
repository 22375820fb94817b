package io.flare.iem.oktasim;

import java.util.List;

/**
 * One simulated Okta user. Users of the seeded population are generated from (seed, index) on
 * demand; a user becomes an overlay (kept in memory) only once a test or a call changes it. Tests
 * receive copies ({@link OktaSimulator#user(String)}); changes go through the simulator's API.
 * Timestamps are epoch milliseconds, {@link #NONE} for Okta's null.
 */
public final class SimUser implements Cloneable {

  public static final long NONE = Long.MIN_VALUE;

  final int index;
  final String id;
  String status;
  long created;
  long activated;
  long statusChanged;
  long lastLogin;
  long lastUpdated;
  long passwordChanged;
  String firstName;
  String lastName;
  String login;
  String email;
  String secondEmail;
  String password;
  int failedAttempts;
  long lockedAt = NONE;
  String authnState = "SUCCESS";
  List<SimFactor> factors = List.of();
  boolean deleted;

  SimUser(int index, String id) {
    this.index = index;
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** Position in the simulated org's listing order. */
  public int index() {
    return index;
  }

  public String status() {
    return status;
  }

  public String login() {
    return login;
  }

  public String email() {
    return email;
  }

  public String secondEmail() {
    return secondEmail;
  }

  public String firstName() {
    return firstName;
  }

  public String lastName() {
    return lastName;
  }

  /** The user's current password (deterministic from the seed unless a test set one). */
  public String password() {
    return password;
  }

  /** Failed sign-ins since the last successful one or unlock. */
  public int failedAttempts() {
    return failedAttempts;
  }

  public long createdMillis() {
    return created;
  }

  public long statusChangedMillis() {
    return statusChanged;
  }

  public long lastLoginMillis() {
    return lastLogin;
  }

  public long lastUpdatedMillis() {
    return lastUpdated;
  }

  public long passwordChangedMillis() {
    return passwordChanged;
  }

  /** What a correct password yields at {@code /api/v1/authn}: SUCCESS, MFA_REQUIRED, MFA_ENROLL or PASSWORD_WARN. */
  public String authnState() {
    return authnState;
  }

  /** The factors the user enrolled, in enrollment order (what {@code MFA_REQUIRED} lists). */
  public List<SimFactor> factors() {
    return factors;
  }

  SimUser copy() {
    try {
      return (SimUser) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public String toString() {
    return "SimUser[" + id + ", " + login + ", " + status + "]";
  }
}
