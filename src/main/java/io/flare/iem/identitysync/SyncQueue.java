package io.flare.iem.identitysync;

import io.flare.iem.tracing.Traces;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/**
 * Queues sync runs as rows, inside the caller's transaction, so a requested sync is never lost:
 * it waits in Postgres until a replica takes it. At most one run per tenant is queued or running
 * (a partial unique index), so queueing while one is active is a no-op.
 */
public final class SyncQueue {

  /** Why a run was queued. */
  public enum Trigger { INITIAL, SCHEDULED, MANUAL }

  /** How much of the org a run reads. */
  public enum Mode { FULL, INCREMENTAL }

  private static final String ENQUEUE = """
      INSERT INTO sync_runs (sync_run_id, tenant_id, mode, trigger, state, request_id, submitted_by)
      VALUES ($1, $2, $3, $4, 'QUEUED', $5, $6)
      ON CONFLICT DO NOTHING
      """;

  private static final String CANCEL_ACTIVE = """
      UPDATE sync_runs
      SET state = 'CANCELLED', cancel_requested = true, end_time = now(), update_time = now(),
          error_message = $2, lease_owner = NULL, lease_expire_time = NULL
      WHERE tenant_id = $1 AND state IN ('QUEUED', 'RUNNING')
      """;

  private SyncQueue() {}

  /**
   * Queues a run unless one is already queued or running; returns whether this call queued it.
   * {@code submittedBy} is the verified identity of the caller who asked for it.
   */
  public static Future<Boolean> enqueue(SqlClient tx, String tenantId, Mode mode, Trigger trigger, String requestId,
      String submittedBy) {
    UUID runId = UUID.randomUUID();
    return tx.preparedQuery(ENQUEUE)
        .execute(Tuple.of(runId, tenantId, mode.name(), trigger.name(), requestId, submittedBy))
        .map(rows -> {
          if (rows.rowCount() == 1) {
            Traces.remember("sync", tenantId, runId); // the run's trace links to the call that queued it
          }
          return rows.rowCount() == 1;
        });
  }

  /** Ends the tenant's queued or running runs; a replica running one stops at its next checkpoint. */
  public static Future<Integer> cancelActive(SqlClient tx, String tenantId, String reason) {
    return tx.preparedQuery(CANCEL_ACTIVE)
        .execute(Tuple.of(tenantId, reason))
        .map(rows -> rows.rowCount());
  }
}
