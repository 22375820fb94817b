package io.flare.iem.credentialcheck;

import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.integrationconfig.TenantSettings;
import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.Usage;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A tenant's integration and settings as the checker needs them, cached for a moment (the hot
 * path reads them for every check), and the tenant's view of its Okta org, spending from one
 * {@link Usage} per tenant with the configured share of the authn bucket. Decisions that must see
 * the latest settings (mitigation) read them again in their own transaction.
 */
final class TenantContexts {

  /** What a check of one tenant works with. */
  record TenantContext(Integration integration, TenantSettings settings) {}

  private record Entry(Optional<TenantContext> context, long expiresAtNanos) {}

  private static final int MAX_ENTRIES = 10_000;

  private final Pool pool;
  private final IntegrationRepository integrations;
  private final TenantRepository tenants;
  private final OktaClient okta;
  private final double authnShare;
  private final long ttlNanos;
  private final ConcurrentMap<String, Entry> cache = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Usage> usages = new ConcurrentHashMap<>();

  TenantContexts(Pool pool, IntegrationRepository integrations, TenantRepository tenants, OktaClient okta,
      double authnShare, long ttlMillis) {
    this.pool = pool;
    this.integrations = integrations;
    this.tenants = tenants;
    this.okta = okta;
    this.authnShare = authnShare;
    this.ttlNanos = ttlMillis * 1_000_000L;
  }

  /** The tenant's integration and settings (empty without an integration), at most the TTL old. */
  Future<Optional<TenantContext>> get(String tenantId) {
    Entry e = cache.get(tenantId);
    if (e != null && System.nanoTime() - e.expiresAtNanos < 0) {
      return Future.succeededFuture(e.context());
    }
    return fresh(tenantId).onSuccess(context -> {
      if (cache.size() > MAX_ENTRIES) {
        cache.clear();
      }
      cache.put(tenantId, new Entry(context, System.nanoTime() + ttlNanos));
    });
  }

  /** Read now, bypassing the cache. */
  Future<Optional<TenantContext>> fresh(String tenantId) {
    return integrations.find(pool, tenantId).compose(integration -> integration.isEmpty()
        ? Future.succeededFuture(Optional.<TenantContext>empty())
        : tenants.get(pool, tenantId).map(settings -> Optional.of(new TenantContext(integration.get(), settings))));
  }

  /** The tenant's view of its Okta org; fails with INVALID_ARGUMENT if the stored domain is not allowed. */
  OktaOrg org(Integration integration) {
    Usage usage = usages.computeIfAbsent(integration.tenantId(),
        t -> Usage.named("credential-check").withShare(Bucket.AUTHN, authnShare));
    return okta.org(integration.oktaApp(), usage);
  }

  /** What the tenant's checks spent at Okta so far (requests, rate-limit waits). */
  Optional<Usage> usage(String tenantId) {
    return Optional.ofNullable(usages.get(tenantId));
  }
}
