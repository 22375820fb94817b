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
    Instant applyTime,
    List<ActionResult> results,
    String approvalReason) {

  public StoredMitigation {
    approvalReason = approvalReason == null ? "" : approvalReason;
  }

  /** Whether it waits for a person although its mode would apply it at once (a protected account). */
  boolean heldForApproval() {
    return !approvalReason.isEmpty();
  }

  /** An action in Okta, in the order they are applied. */
  enum Action { REVOKE_SESSIONS, SUSPEND_USER, UNIVERSAL_LOGOUT }

  /**
   * Where a mitigation is in its life. PARTIALLY_APPLIED: sessions were cleared but Okta cannot
   * suspend the user in its current status; approving it again retries the suspension.
   */
  enum State { PENDING_APPROVAL, APPLIED, PARTIALLY_APPLIED, FAILED, REJECTED }

  /** What one action did in Okta. */
  enum Outcome {
    /** Okta applied it, or reading the user back showed it in effect. */
    DONE,
    /** The user's status does not allow it (a suspend of a LOCKED_OUT user). */
    NOT_POSSIBLE,
    /** The org or the app does not offer it (Universal Logout without its scope). */
    UNAVAILABLE,
    /** Okta refused it or could not be reached. */
    FAILED,
    /** Not tried: an earlier action failed. */
    NOT_ATTEMPTED
  }

  /** One action's result, with Okta's request id of the call that decided it (empty when none). */
  record ActionResult(Action action, Outcome outcome, String detail, String oktaRequestId) {}

  /** Sessions (and OAuth tokens) first, then the suspension. */
  static final List<Action> ACTIONS = List.of(Action.REVOKE_SESSIONS, Action.SUSPEND_USER);
}
