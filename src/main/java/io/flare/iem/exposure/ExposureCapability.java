package io.flare.iem.exposure;

import io.flare.iem.integrationconfig.IntegrationKeys;
import io.flare.iem.integrationconfig.IntegrationLifecycle;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.okta.OktaClient;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Clock;

/**
 * The exposure capability as App wires it (issue 16): its face to the credential checks and the
 * syncs, its endpoint (served on CredentialCheckService), its per-replica worker, and what it does
 * when a tenant's integration is deleted.
 */
public record ExposureCapability(Exposures exposures, ExposureEndpoint endpoint, ExposureWorker worker,
    IntegrationLifecycle lifecycle) {

  public static ExposureCapability create(Pool pool, IntegrationRepository integrations, IntegrationKeys keys,
      OktaClient okta, Metrics appMetrics, Clock clock, ExposureSettings settings) {
    ExposureRepository cases = new ExposureRepository();
    SignalOutbox outbox = new SignalOutbox();
    ExposureMetrics metrics = new ExposureMetrics(appMetrics);
    Exposures exposures = new Exposures(pool, cases, outbox, integrations, okta, metrics, clock, settings.reread());
    RiskSignals signals = new RiskSignals(pool, outbox, integrations, keys, okta, clock, settings.firstRetry());
    ExposureWorker worker = new ExposureWorker(pool, cases, exposures, signals, metrics, settings, clock);
    IntegrationLifecycle lifecycle = (tx, tenantId) -> cases.deleteTenant(tx, tenantId)
        .map(deleted -> new JsonObject().put("exposure_cases_deleted", deleted));
    return new ExposureCapability(exposures, new ExposureEndpoint(pool, cases, outbox), worker, lifecycle);
  }
}
