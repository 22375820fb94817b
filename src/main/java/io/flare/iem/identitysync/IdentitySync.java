package io.flare.iem.identitysync;

import io.flare.iem.config.AppConfig;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.integrationconfig.TenantRepository;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;

/** The identity-sync capability as App wires it: its gRPC endpoint and its per-replica worker. */
public record IdentitySync(IdentitySyncEndpoint endpoint, SyncWorker worker) {

  public static IdentitySync create(Vertx vertx, Pool pool, IntegrationRepository integrations,
      TenantRepository tenants, UserSources sources, AppConfig.Sync config, Clock clock, String replica,
      Metrics metrics) {
    SyncRunRepository runs = new SyncRunRepository();
    int lease = (int) config.lease().toSeconds();
    Syncer.Settings settings = new Syncer.Settings(config.batchUsers(), lease, config.incrementalOverlap(),
        Duration.ofHours(2), Duration.ofMinutes(1));
    Syncer syncer = new Syncer(vertx, pool, runs, new IdentityWriter(), integrations, tenants, sources, settings,
        replica, metrics);
    SyncWorker worker = new SyncWorker(pool, runs, syncer, clock, config.maxConcurrentRuns(), lease,
        Duration.ofMillis(500), Duration.ofSeconds(30), replica);
    IdentitySyncEndpoint endpoint = new IdentitySyncEndpoint(vertx, pool, integrations);
    endpoint.onSyncQueued(worker::kick);
    return new IdentitySync(endpoint, worker);
  }
}
