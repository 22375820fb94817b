package io.flare.iem.metrics;

import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaListener;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Okta client events as metrics: requests by bucket and status, headroom left, rate-limit waits,
 * and orgs refusing our authn calls.
 */
public final class OktaMetrics implements OktaListener {

  private final Metrics metrics;
  private final AtomicInteger blockedOrgs = new AtomicInteger();

  public OktaMetrics(Metrics metrics) {
    this.metrics = metrics;
    metrics.gauge("iem.okta.authn.blocked.orgs", "Okta orgs refusing this replica's authn calls from its address"
        + " (HTTP 403: ThreatInsight or a blocked network zone); their checks wait", blockedOrgs::get);
  }

  @Override
  public void exchanged(Bucket bucket, int status, long nanos) {
    metrics.oktaRequest(name(bucket), status, nanos);
  }

  @Override
  public void headroom(Bucket bucket, double remainingShare) {
    metrics.oktaHeadroom(name(bucket), remainingShare);
  }

  @Override
  public void waited(Bucket bucket, long millis) {
    metrics.oktaRateLimitWait(name(bucket), millis);
  }

  @Override
  public void authnBlocked(boolean blocked) {
    if (blocked) {
      blockedOrgs.incrementAndGet();
    } else {
      blockedOrgs.decrementAndGet();
    }
  }

  private static String name(Bucket bucket) {
    return bucket.name().toLowerCase(Locale.ROOT);
  }
}
