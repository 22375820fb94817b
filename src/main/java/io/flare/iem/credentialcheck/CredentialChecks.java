package io.flare.iem.credentialcheck;

import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.storage.Stores;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;

/** The credential-check capability as App wires it: its gRPC endpoint and its per-replica worker. */
public record CredentialChecks(CredentialCheckEndpoint endpoint, CheckWorker worker) {

  /**
   * @param shutdownGrace what a graceful stop may take in all; the worker hands its unfinished checks
   *     back a second before it ends (or half-way through it, if it is short)
   */
  public static CredentialChecks create(Vertx vertx, Stores stores, OktaClient okta, PasswordVault vault,
      IntegrationRepository integrations, TenantRepository tenants, Clock clock, CheckSettings settings,
      String replica, Metrics appMetrics, Duration shutdownGrace) {
    CheckMetrics metrics = new CheckMetrics(appMetrics, clock);
    CheckRepository checks = new CheckRepository();
    MitigationRepository mitigations = new MitigationRepository();
    TenantContexts contexts = new TenantContexts(stores.pg(), integrations, tenants, okta, settings.authnShare(),
        settings.tenantCacheTtl().toMillis());
    DailyCap cap = new DailyCap(stores.redisApi(), stores.pg(), checks);
    FreshUsers users = new FreshUsers(clock, settings.userCacheTtl());
    Mitigator mitigator = new Mitigator(stores.pg(), mitigations, integrations, tenants, contexts, clock, metrics);
    CheckDecider decider = new CheckDecider(vertx, stores.pg(), checks, mitigations, integrations, tenants, cap, users,
        contexts, mitigator, clock, settings, metrics);
    CredentialChecker checker = new CredentialChecker(stores.pg(), checks, contexts, vault, decider, clock, settings,
        replica, metrics);
    Duration stopWait = shutdownGrace.minusSeconds(1).compareTo(shutdownGrace.dividedBy(2)) > 0
        ? shutdownGrace.minusSeconds(1) : shutdownGrace.dividedBy(2);
    CheckWorker worker = new CheckWorker(stores.pg(), checks, decider, vault, clock, settings, replica, metrics,
        stopWait, checker::stop);
    CredentialCheckEndpoint endpoint = new CredentialCheckEndpoint(checker, mitigator, mitigations, stores.pg(), clock,
        settings.streamMaxInFlight());
    return new CredentialChecks(endpoint, worker);
  }
}
