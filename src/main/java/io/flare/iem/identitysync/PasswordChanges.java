package io.flare.iem.identitysync;

import io.vertx.core.Future;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Told, after each sync batch is stored, when Okta last changed the password of each user in it
 * (issue 16: the exposure capability resolves the cases of users whose password changed since).
 * A failure here never fails the sync: the exposure capability also re-reads its users itself.
 */
@FunctionalInterface
public interface PasswordChanges {

  /** One synced user's {@code passwordChanged} as Okta has it now. */
  record Seen(String oktaUserId, OffsetDateTime passwordChanged) {}

  PasswordChanges NONE = (tenantId, users) -> Future.succeededFuture();

  Future<Void> seen(String tenantId, List<Seen> users);

  /** Tells of a stored batch's users; a failure is logged, never the sync's. */
  default void afterBatch(String tenantId, List<SyncedUser> users) {
    List<Seen> seen = new java.util.ArrayList<>(users.size());
    for (SyncedUser u : users) {
      if (u.passwordChanged() != null) {
        seen.add(new Seen(u.oktaUserId(), u.passwordChanged()));
      }
    }
    if (!seen.isEmpty()) {
      seen(tenantId, seen).onFailure(e -> org.slf4j.LoggerFactory.getLogger(PasswordChanges.class).atWarn()
          .addKeyValue("tenant_id", tenantId).setCause(e)
          .log("password changes of a sync batch not passed on; the scheduled re-read catches up"));
    }
  }
}
