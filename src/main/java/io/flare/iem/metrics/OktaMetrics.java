package io.flare.iem.metrics;

import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaListener;
import java.util.Locale;

/** Okta client events as metrics: requests by bucket and status, headroom left, rate-limit waits. */
public final class OktaMetrics implements OktaListener {

  private final Metrics metrics;

  public OktaMetrics(Metrics metrics) {
    this.metrics = metrics;
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

  private static String name(Bucket bucket) {
    return bucket.name().toLowerCase(Locale.ROOT);
  }
}
