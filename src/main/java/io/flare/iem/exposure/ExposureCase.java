package io.flare.iem.exposure;

import java.time.Instant;
import java.util.UUID;

/**
 * An exposure case as stored: one identity whose leaked password Okta accepted, OPEN until Okta
 * shows the password changed after {@code validDecideTime} (the latest valid check's decision).
 * {@code suspendedByUs} is Okta's {@code statusChanged} of the user right after our mitigation
 * suspended it (null when it did not): a restore undoes only that very suspension.
 */
record ExposureCase(UUID id, String tenantId, UUID identityId, String oktaUserId, String login, String email,
    State state, Instant openTime, Instant validDecideTime, Instant resolveTime, Instant passwordChanged,
    Instant suspendedByUs, boolean restored) {

  enum State { OPEN, RESOLVED }

  /** Who the security event names: the user's email, else the login (Okta logins are email-shaped). */
  String subjectEmail() {
    return email == null || email.isBlank() ? login : email;
  }
}
