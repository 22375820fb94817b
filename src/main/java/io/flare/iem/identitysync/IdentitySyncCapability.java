package io.flare.iem.identitysync;

import io.flare.iem.integrationconfig.IntegrationLifecycle;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.storage.LogRetention;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Clock;

/**
 * The identity-sync capability as App wires it: its gRPC endpoint, its per-replica worker, what it
 * does when a tenant's integration is created or deleted, and the identities other capabilities
 * read through it.
 */
public record IdentitySyncCapability(IdentitySyncEndpoint endpoint, SyncWorker worker,
    IntegrationLifecycle lifecycle, IdentityRepository identities) {

  public static IdentitySyncCapability create(Vertx vertx, Pool pool, IntegrationRepository integrations,
      TenantRepository tenants, UserSources sources, OrgRefresh refresh, SyncSettings settings, Clock clock,
      String replica, Metrics metrics) {
    SyncRunRepository runs = new SyncRunRepository();
    IdentityRepository identities = new IdentityRepository();
    Syncer syncer = new Syncer(vertx, pool, runs, new IdentityWriter(), integrations, tenants, sources, refresh,
        settings, replica, metrics);
    IdentityChangeLog changeLog = new IdentityChangeLog();
    SyncWorker worker = new SyncWorker(pool, runs, syncer, new SyncSchedule(tenants), clock, settings, replica,
        new LogRetention("identity_changes", clock, settings.feedRetention(), cutoff -> changeLog.prune(pool, cutoff)));
    IdentitySyncEndpoint endpoint = new IdentitySyncEndpoint(vertx, pool, integrations, runs, identities, changeLog);
    endpoint.onSyncQueued(worker::kick);
    return new IdentitySyncCapability(endpoint, worker, new SyncLifecycle(identities, worker::kick), identities);
  }
}
