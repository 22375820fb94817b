package io.flare.iem.okta;

/**
 * Hears what the Okta client does, for metrics: each HTTP exchange, how much of a bucket was left
 * after it, each wait for the rate limit, and orgs refusing our authn calls. Called on event loops:
 * must not block.
 */
public interface OktaListener {

  OktaListener NONE = new OktaListener() {};

  /** One HTTP exchange; {@code status} is 0 when no response came back. */
  default void exchanged(Bucket bucket, int status, long nanos) {}

  /** The unspent share of {@code bucket} ({@code X-Rate-Limit-Remaining / Limit}) after a response. */
  default void headroom(Bucket bucket, double remainingShare) {}

  /** A request waited {@code millis} for the rate limit (our share, or a 429's reset) before it went. */
  default void waited(Bucket bucket, long millis) {}

  /** Okta started ({@code true}) or stopped ({@code false}) refusing one org's authn calls from our address. */
  default void authnBlocked(boolean blocked) {}
}
