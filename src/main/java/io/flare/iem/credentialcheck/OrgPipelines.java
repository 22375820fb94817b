package io.flare.iem.credentialcheck;

import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OrgMetadata;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Which authentication pipeline each org runs ({@code /.well-known/okta-organization}), read once an
 * hour per org: an org moves from Classic to Identity Engine rarely, and only Identity Engine orgs
 * have user blocks. A failed read is not remembered: the pipeline is then UNKNOWN for this check.
 */
final class OrgPipelines {

  static final Duration TTL = Duration.ofHours(1);
  private static final int MAX_ENTRIES = 10_000;

  private record Entry(OrgMetadata.Pipeline pipeline, long expiresAtNanos) {}

  private final ConcurrentMap<String, Entry> known = new ConcurrentHashMap<>();

  Future<OrgMetadata.Pipeline> of(OktaOrg org) {
    String key = org.domain();
    Entry e = known.get(key);
    if (e != null && System.nanoTime() - e.expiresAtNanos() < 0) {
      return Future.succeededFuture(e.pipeline());
    }
    return org.setup().organization().map(OrgMetadata::pipeline).transform(ar -> {
      if (ar.failed()) {
        return Future.succeededFuture(OrgMetadata.Pipeline.UNKNOWN);
      }
      if (known.size() > MAX_ENTRIES) {
        known.clear();
      }
      known.put(key, new Entry(ar.result(), System.nanoTime() + TTL.toNanos()));
      return Future.succeededFuture(ar.result());
    });
  }
}
