package io.flare.iem.credentialcheck;

import io.flare.iem.integrationconfig.IntegrationLifecycle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;

/**
 * What deleting an integration removes of credential checks: the tenant's waiting checks (and the
 * sealed passwords they hold) are deleted and its pending mitigations rejected. Decided checks,
 * their attempts and the audit trail stay.
 */
final class CheckTenantRows implements IntegrationLifecycle {

  private final CheckRepository checks;
  private final MitigationRepository mitigations;

  CheckTenantRows(CheckRepository checks, MitigationRepository mitigations) {
    this.checks = checks;
    this.mitigations = mitigations;
  }

  @Override
  public Future<JsonObject> deleting(SqlClient tx, String tenantId) {
    return checks.deleteWaiting(tx, tenantId)
        .compose(deleted -> mitigations.rejectPending(tx, tenantId, "integration deleted")
            .map(rejected -> new JsonObject().put("waiting_checks_deleted", deleted)
                .put("mitigations_rejected", rejected)));
  }
}
