package io.flare.iem.integrationconfig;

import io.flare.iem.identitysync.SyncQueue;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * What deleting an integration removes, in its transaction: the tenant's syncs are cancelled, its
 * waiting checks (and the encrypted passwords they hold) deleted, its pending mitigations rejected,
 * and its synced identities and identifiers removed. Decided checks and the audit trail stay.
 */
final class TenantTeardown {

  private static final String DELETE_WAITING_CHECKS = """
      DELETE FROM credential_checks
      WHERE tenant_id = $1 AND outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED')
      """;

  private static final String REJECT_PENDING_MITIGATIONS = """
      UPDATE mitigations
      SET state = 'REJECTED', actor = 'system', rejection_reason = 'integration deleted', update_time = now()
      WHERE tenant_id = $1 AND state = 'PENDING_APPROVAL'
      """;

  private static final String DELETE_IDENTITIES = "DELETE FROM identities WHERE tenant_id = $1";

  private TenantTeardown() {}

  /**
   * Returns how many identities were removed. Identities are deleted before the sync runs are
   * cancelled: a sync batch locks identities first and its run last, so taking them in the same
   * order cannot deadlock with one; a batch still writing then finds its run cancelled and rolls
   * back.
   */
  static Future<Integer> run(SqlClient tx, String tenantId) {
    Tuple tenant = Tuple.of(tenantId);
    return tx.preparedQuery(DELETE_WAITING_CHECKS).execute(tenant)
        .compose(ignored -> tx.preparedQuery(REJECT_PENDING_MITIGATIONS).execute(tenant))
        .compose(ignored -> tx.preparedQuery(DELETE_IDENTITIES).execute(tenant))
        .compose(deleted -> SyncQueue.cancelActive(tx, tenantId, "integration deleted").map(deleted.rowCount()));
  }
}
