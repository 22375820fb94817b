package io.flare.iem.identitysync;

import io.flare.iem.grpc.CallContext;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationLifecycle;
import io.flare.iem.integrationconfig.TenantSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;

/**
 * Identity sync's part in an integration's life: an Okta integration gets its initial full sync at
 * once and its first nightly sync the next local night; deleting it removes the tenant's identities
 * (their identifiers go with them) and cancels its syncs.
 */
final class SyncLifecycle implements IntegrationLifecycle {

  private final IdentityRepository identities;
  private final Runnable syncQueued;

  /** @param syncQueued starts a queued sync on this replica at once */
  SyncLifecycle(IdentityRepository identities, Runnable syncQueued) {
    this.identities = identities;
    this.syncQueued = syncQueued;
  }

  /** Runs within CreateIntegration: its caller is the initial run's submitter. */
  @Override
  public Future<Void> created(SqlClient tx, Integration integration, TenantSettings tenant, Instant now) {
    if (integration.kind() != Integration.Kind.OKTA) {
      return Future.succeededFuture();
    }
    return SyncSchedule.register(tx, integration.tenantId(), tenant.timeZone(), now)
        .compose(ignored -> SyncQueue.enqueue(tx, integration.tenantId(), SyncQueue.Mode.FULL,
            SyncQueue.Trigger.INITIAL, null, CallContext.callerFor(integration.tenantId()).subject()))
        .mapEmpty();
  }

  @Override
  public void committed(Integration integration) {
    syncQueued.run();
  }

  /**
   * Identities are deleted before the sync runs are cancelled: a sync batch locks identities first
   * and its run last, so taking them in the same order cannot deadlock with one; a batch still
   * writing then finds its run cancelled and rolls back.
   */
  @Override
  public Future<JsonObject> deleting(SqlClient tx, String tenantId) {
    return identities.deleteTenant(tx, tenantId)
        .compose(removed -> SyncQueue.cancelActive(tx, tenantId, "integration deleted")
            .map(cancelled -> new JsonObject().put("identities_removed", removed).put("sync_runs_cancelled", cancelled)));
  }
}
