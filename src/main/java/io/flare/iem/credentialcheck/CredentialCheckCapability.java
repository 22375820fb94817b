package io.flare.iem.credentialcheck;

import io.flare.iem.identitysync.IdentityRepository;
import io.flare.iem.integrationconfig.IntegrationLifecycle;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.ProtectedAccounts;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.storage.LogRetention;
import io.flare.iem.storage.Stores;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The credential-check capability as App wires it: its gRPC endpoint, its per-replica queue
 * worker, and what it does when a tenant's integration is deleted.
 */
public record CredentialCheckCapability(CredentialCheckEndpoint endpoint, CheckQueueWorker worker,
    IntegrationLifecycle lifecycle) {

  /**
   * @param shutdownGrace what a graceful stop may take in all; the worker hands its unfinished checks
   *     back a second before it ends (or half-way through it, if it is short)
   * @param decisionRetention how long ListCheckDecisions keeps a decision
   */
  public static CredentialCheckCapability create(Vertx vertx, Stores stores, OktaClient okta, PasswordVault vault,
      IntegrationRepository integrations, TenantRepository tenants, IdentityRepository identities, Clock clock,
      CheckSettings settings, String replica, Metrics appMetrics, Duration shutdownGrace, Duration decisionRetention) {
    Pool pool = stores.pg();
    CheckMetrics metrics = new CheckMetrics(appMetrics, clock);
    CheckRepository checks = new CheckRepository();
    AttemptRepository attempts = new AttemptRepository();
    MitigationRepository mitigations = new MitigationRepository();
    TenantContexts contexts = new TenantContexts(pool, integrations, tenants, okta, settings.authnShare(),
        settings.tenantCacheTtl().toMillis());
    DailyCap cap = new DailyCap(stores.redisApi(), pool, attempts);
    FreshUsers users = new FreshUsers(clock, settings.userCacheTtl());
    Mitigator mitigator = new Mitigator(pool, mitigations, integrations, tenants, identities, contexts, clock, metrics,
        settings.mitigationHoldSeconds(), new ProtectedAccounts(okta, pool, clock));
    CheckPipeline pipeline = pipeline(vertx, pool, checks, attempts, contexts, identities, integrations, cap, users,
        mitigator, metrics, clock, settings);
    CheckIntake intake = new CheckIntake(pool, checks, contexts, vault, pipeline, clock, settings, replica, metrics);
    Duration stopWait = shutdownGrace.minusSeconds(1).compareTo(shutdownGrace.dividedBy(2)) > 0
        ? shutdownGrace.minusSeconds(1) : shutdownGrace.dividedBy(2);
    CheckDecisionLog decisionLog = new CheckDecisionLog();
    CheckQueueWorker worker = new CheckQueueWorker(pool, checks, pipeline, vault, clock, settings, replica, metrics,
        stopWait, intake::stop, new LogRetention("check_decisions", clock, decisionRetention,
            cutoff -> decisionLog.prune(pool, cutoff)));
    CredentialCheckEndpoint endpoint = new CredentialCheckEndpoint(intake, mitigator, mitigations, pool, clock,
        settings.streamMaxInFlight(), decisionLog);
    return new CredentialCheckCapability(endpoint, worker, new CheckTenantRows(checks, mitigations));
  }

  /** The gates in the order the README lists them, and what comes after them. */
  private static CheckPipeline pipeline(Vertx vertx, Pool pool, CheckRepository checks, AttemptRepository attempts,
      TenantContexts contexts, IdentityRepository identities, IntegrationRepository integrations, DailyCap cap,
      FreshUsers users, Mitigator mitigator, CheckMetrics metrics, Clock clock, CheckSettings settings) {
    LockoutNotes lockouts = new LockoutNotes(identities);
    LifetimeBudgetGate lifetimeBudget = new LifetimeBudgetGate(clock, settings.budgetRecheck());
    OrgPipelines pipelines = new OrgPipelines();
    List<Gate> gatesToTheCap = List.of(
        new InactiveUserGate(),
        new StaleLeakGate(),
        new AlreadyTestedGate(pool, attempts, checks, settings.shortWait(), settings.unconfirmedRetry()),
        lifetimeBudget,
        new UserBlockGate(pipelines, clock, settings),
        new DailyCapGate(vertx, cap, clock, settings.maxPaceWait()));
    return new CheckPipeline(vertx, pool, checks, contexts,
        new CandidateLoader(pool, contexts, identities, attempts, users, clock, settings),
        gatesToTheCap,
        new OrgAuthnShareGate(clock, settings.authnShare()),
        new AttemptFence(pool, identities, integrations, attempts, checks, lifetimeBudget, clock, settings.shortWait(),
            Duration.ofSeconds(settings.leaseSeconds()), settings.unconfirmedRetry()),
        new AuthnCall(vertx, pool, checks, attempts, cap, users, mitigator, lockouts, metrics, clock, settings,
            new AuthnConfirmation(vertx, pipelines, settings)),
        cap, lockouts, metrics, clock, settings);
  }
}
