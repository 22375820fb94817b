package io.flare.iem.exposure;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUser;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.Optional;

/**
 * Restore after reset: a resolved case's user still SUSPENDED by our mitigation is unsuspended
 * ({@code POST /api/v1/users/{id}/lifecycle/unsuspend}). "By our mitigation" is exact: Okta's
 * {@code statusChanged} must still be the one read right after our suspension; a user unsuspended
 * and suspended again since (by anyone), or suspended by someone else, is left alone. Every outcome
 * is audited.
 */
final class Restorer {

  private final Pool pool;
  private final ExposureRepository cases;

  Restorer(Pool pool, ExposureRepository cases) {
    this.pool = pool;
    this.cases = cases;
  }

  Future<Void> restore(ExposureCase c, OktaOrg org, Instant now) {
    return org.getUser(c.oktaUserId())
        .compose(user -> {
          String skip = skipReason(c, user);
          if (skip != null) {
            return record(c, "SKIPPED", "restore_skipped", new JsonObject().put("reason", skip), null, now);
          }
          return org.unsuspend(c.oktaUserId())
              .compose(ack -> pool.withTransaction(tx -> cases.restored(tx, c.tenantId(), c.id()))
                  .compose(v -> record(c, "OK", "restored", new JsonObject(), ack.requestId(), now)));
        })
        .recover(error -> record(c, "FAILED", "restore_failed", new JsonObject().put("error",
            error instanceof OktaException o ? o.kind() + " " + (o.errorCode() == null ? "" : o.errorCode())
                : error.getClass().getSimpleName()), null, now));
  }

  /** Why the user is left as it is, or null to unsuspend it. */
  static String skipReason(ExposureCase c, Optional<OktaUser> user) {
    if (user.isEmpty()) {
      return "the user no longer exists in Okta";
    }
    if (!"SUSPENDED".equals(user.get().status())) {
      return "the user is " + user.get().status() + " now, not SUSPENDED";
    }
    if (c.suspendedByUs() == null) {
      return "our mitigation did not suspend this user";
    }
    Instant changed = user.get().statusChanged();
    if (changed == null || changed.toEpochMilli() != c.suspendedByUs().toEpochMilli()) {
      return "the user's status changed since our mitigation suspended it (statusChanged " + changed
          + "): someone else suspended it, so it stays suspended";
    }
    return null;
  }

  private Future<Void> record(ExposureCase c, String outcome, String kind, JsonObject detail, String requestId,
      Instant now) {
    return pool.withTransaction(tx -> cases.event(tx, c.tenantId(), c.id(), kind, detail, now)
        .compose(v -> AuditLog.append(tx, new AuditLog.Event(c.tenantId(), "exposure.restore", "system",
            c.identityId(), requestId, outcome, detail.copy().put("exposure_id", c.id().toString())
                .put("okta_user_id", c.oktaUserId())))));
  }
}
