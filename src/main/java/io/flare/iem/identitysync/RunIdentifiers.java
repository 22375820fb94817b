package io.flare.iem.identitysync;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import java.util.UUID;

/**
 * The tenant's identifiers during one sync run, against its cap. While there is room for three per
 * user, a batch writes its identifiers itself ({@link IdentityWriter.Identifiers#INLINE}); once the
 * cap could bind, the rest of the run writes none ({@code DEFERRED}) and the end of the run
 * recomputes them all in priority order. Runs on its run's context only.
 */
final class RunIdentifiers {

  /** The most identifiers one user gives: login, email, second email. */
  private static final int PER_USER = 3;

  private final boolean enabled;
  private final int cap;
  private long count;
  private boolean capBinding;

  /**
   * @param enabled the integration creates identifiers and the tenant is entitled to them
   * @param count the tenant's identifiers when the run starts
   */
  RunIdentifiers(boolean enabled, int cap, long count) {
    this.enabled = enabled;
    this.cap = cap;
    this.count = count;
  }

  /** How a batch of {@code users} writes identifiers; INLINE reserves room until {@link #written}. */
  IdentityWriter.Identifiers forBatch(int users) {
    if (!enabled) {
      return IdentityWriter.Identifiers.OFF;
    }
    if (capBinding || count + (long) PER_USER * users > cap) {
      capBinding = true; // the rest waits for the priority-ordered recompute at the end
      return IdentityWriter.Identifiers.DEFERRED;
    }
    count += (long) PER_USER * users;
    return IdentityWriter.Identifiers.INLINE;
  }

  /** The batch ended ({@code created} and {@code deleted} 0 when it rolled back): the reservation is settled. */
  void written(IdentityWriter.Identifiers mode, int users, long created, long deleted) {
    if (mode == IdentityWriter.Identifiers.INLINE) {
      count -= (long) PER_USER * users;
    }
    count += created - deleted;
  }

  /**
   * At the end of a complete listing: no identifiers when they are off; otherwise a recompute in
   * priority order under the cap when it binds (or someone could be monitored and is not).
   */
  Future<IdentityWriter.Reconciled> settle(SqlClient tx, IdentityWriter writer, String tenantId, UUID runId) {
    if (!enabled) {
      return writer.clear(tx, tenantId).map(deleted -> new IdentityWriter.Reconciled(0, deleted, 0));
    }
    // count is exact here: read at the start, then moved by each committed batch
    Future<Boolean> needed = capBinding || count > cap ? Future.succeededFuture(true)
        : writer.someoneUnmonitored(tx, tenantId);
    return needed.compose(recompute -> recompute
        ? writer.recompute(tx, tenantId, runId, cap)
        : Future.succeededFuture(new IdentityWriter.Reconciled(0, 0, 0)));
  }
}
