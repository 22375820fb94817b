package io.flare.iem.credentialcheck;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.identitysync.IdentityRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;

/**
 * Okta said the user is locked out: noted on the identity (through identity sync: a later status
 * change away from LOCKED_OUT is an unlock, which resets the lockout budget) and audited.
 */
final class LockoutNotes {

  private final IdentityRepository identities;

  LockoutNotes(IdentityRepository identities) {
    this.identities = identities;
  }

  /**
   * The user's status was LOCKED_OUT when read before the gates; audited only when this lockout is
   * news (no lockout seen yet, or the status changed since the last one seen).
   */
  Future<Void> fromStatus(SqlClient client, Candidate c, String why) {
    Instant seen = c.identity().lockoutSeenTime();
    Instant changed = c.user().statusChanged();
    boolean news = seen == null || changed == null || changed.isAfter(seen);
    return identities.lockedOut(client, c.tenantId(), c.identityId(), c.now())
        .compose(ignored -> news ? AuditLog.append(client, event(c, null, why)) : Future.succeededFuture());
  }

  /** The authn call answered LOCKED_OUT (in the transaction that records the answer). */
  Future<Void> fromAuthn(SqlClient tx, Candidate c, String oktaRequestId, Instant now) {
    return identities.lockedOut(tx, c.tenantId(), c.identityId(), now)
        .compose(ignored -> AuditLog.append(tx, event(c, oktaRequestId, "authn answered LOCKED_OUT")));
  }

  private static AuditLog.Event event(Candidate c, String oktaRequestId, String why) {
    return new AuditLog.Event(c.tenantId(), "identity.locked_out", c.work().actor(), c.identityId(), oktaRequestId,
        "LOCKED_OUT", new JsonObject().put("check_id", c.check().id().toString()).put("reason", why));
  }
}
