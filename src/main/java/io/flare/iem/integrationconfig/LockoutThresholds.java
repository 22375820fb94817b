package io.flare.iem.integrationconfig;

import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.Usage;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The org's lockout threshold, read from every page of its password policies and kept on the
 * integration, where the credential checks' lifetime budget reads it. TestIntegration reads it; so
 * does every sync run (the nightly one included, so at least daily). A read that fails keeps the
 * threshold last read: a threshold known once is safer than none.
 */
public final class LockoutThresholds {

  private static final Logger LOG = LoggerFactory.getLogger(LockoutThresholds.class);

  private final OktaClient okta;
  private final Pool pool;
  private final IntegrationRepository integrations;

  public LockoutThresholds(OktaClient okta, Pool pool, IntegrationRepository integrations) {
    this.okta = okta;
    this.pool = pool;
    this.integrations = integrations;
  }

  /**
   * Reads the policies and stores the threshold (none when no active policy locks); never fails:
   * false when they could not be read.
   */
  public Future<Boolean> refresh(Integration integration) {
    if (integration.kind() != Integration.Kind.OKTA) {
      return Future.succeededFuture(true);
    }
    return Future.succeededFuture(integration)
        .map(i -> okta.org(i.oktaApp(), Usage.named("lockout-policy")))
        .compose(org -> org.setup().lockoutPolicy())
        .compose(policy -> integrations.setLockoutThreshold(pool, integration, policy.threshold()))
        .onFailure(error -> LOG.atInfo().addKeyValue("tenant", integration.tenantId())
            .log("the password policy could not be read; the lockout threshold last read stays: {}",
                error.getMessage()))
        .map(true)
        .otherwise(false);
  }
}
