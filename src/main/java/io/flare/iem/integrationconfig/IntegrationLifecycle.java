package io.flare.iem.integrationconfig;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;

/**
 * What another capability does when a tenant's integration is created or deleted, inside the
 * integration's own transaction: identity sync queues the initial sync, and on delete every
 * capability removes the rows it keeps for the tenant. Integration config owns only its own
 * tables; it reaches the others' through this interface, in the order {@code App} lists them.
 */
public interface IntegrationLifecycle {

  /** The integration was inserted (in the create transaction). */
  default Future<Void> created(SqlClient tx, Integration integration, TenantSettings tenant, Instant now) {
    return Future.succeededFuture();
  }

  /** The create committed: work it queued may start at once on this replica. */
  default void committed(Integration integration) {}

  /**
   * The integration is being deleted (in the delete transaction): removes this capability's rows
   * of the tenant and says what it removed, for the audit row (counts only, never data).
   */
  Future<JsonObject> deleting(SqlClient tx, String tenantId);
}
