package io.flare.iem.credentialcheck;

import io.flare.iem.integrationconfig.Integration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What is done, or to be done, about a compromised account, as stored. {@code actor} is the display
 * name of who approved or rejected it (as the request named them; {@code system} for AUTOMATED
 * mode), {@code actorSubject} their verified identity (the caller's token {@code sub}; for
 * AUTOMATED mode, the caller who submitted the check).
 */
record StoredMitigation(
    UUID id,
    String tenantId,
    UUID identityId,
    String oktaUserId,
    UUID checkId,
    List<Action> actions,
    Integration.MitigationMode mode,
    State state,
    String actor,
    String actorSubject,
    String rejectionReason,
    String errorMessage,
    Instant createTime,
    Instant applyTime) {

  /** An action in Okta, in the order they are applied. */
  enum Action { REVOKE_SESSIONS, SUSPEND_USER }

  /** Where a mitigation is in its life. */
  enum State { PENDING_APPROVAL, APPLIED, FAILED, REJECTED }

  /** Sessions (and OAuth tokens) first, then the suspension. */
  static final List<Action> ACTIONS = List.of(Action.REVOKE_SESSIONS, Action.SUSPEND_USER);
}
