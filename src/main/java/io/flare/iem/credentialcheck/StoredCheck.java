package io.flare.iem.credentialcheck;

import java.time.Instant;
import java.util.UUID;

/**
 * A credential check as stored: the leak as received, what was decided so far, and the mitigation
 * of a valid password. Holds no password, plaintext or sealed.
 */
record StoredCheck(
    UUID id,
    String tenantId,
    UUID identityId,
    String username,
    String requestId,
    String leakId,
    String leakSource,
    String leakSourceKind,
    Instant leakedTime,
    Outcome outcome,
    SkipReason skipReason,
    String detail,
    int attemptsMade,
    Instant nextAttemptTime,
    Instant createTime,
    Instant decideTime,
    int unverifiedCount,
    StoredMitigation mitigation) {

  /**
   * What a check decided so far (product.md). DENIED: Okta refused the sign-in by a sign-on policy,
   * network zone or device rule, as its System Log says, without telling whether the password is
   * right; the password stays untested.
   */
  enum Outcome {
    VALID, INVALID, NOT_FOUND, THROTTLED, PENDING, SKIPPED, UNVERIFIED, LOCKED_OUT, DENIED, PASSWORD_ERASED;

    /** Whether a check with this outcome waits in the queue (and keeps its sealed password). */
    boolean waits() {
      return this == THROTTLED || this == PENDING || this == UNVERIFIED;
    }
  }

  /** Why a check was skipped without an attempt. */
  enum SkipReason { STALE, ALREADY_TESTED, INACTIVE }

  boolean decided() {
    return decideTime != null;
  }
}
