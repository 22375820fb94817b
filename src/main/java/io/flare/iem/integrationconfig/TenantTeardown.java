package io.flare.iem.integrationconfig;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.util.List;

/**
 * What deleting an integration removes, in its transaction: each capability removes its own rows
 * of the tenant, in the order given (credential checks before identities: a check refers to its
 * identity). Decided checks and the audit trail stay.
 */
final class TenantTeardown {

  private final List<IntegrationLifecycle> capabilities;

  TenantTeardown(List<IntegrationLifecycle> capabilities) {
    this.capabilities = List.copyOf(capabilities);
  }

  /** Asks each capability in turn; returns what they removed, merged, for the audit row. */
  Future<JsonObject> run(SqlClient tx, String tenantId) {
    Future<JsonObject> removed = Future.succeededFuture(new JsonObject());
    for (IntegrationLifecycle capability : capabilities) {
      removed = removed.compose(so -> capability.deleting(tx, tenantId).map(so::mergeIn));
    }
    return removed;
  }
}
