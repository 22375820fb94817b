package io.flare.iem.oktasim;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /.well-known/okta-organization}: public, no credentials (spec operation
 * {@code getWellknownOrgMetadata}, {@code WellKnownOrgMetadata}): the org's id, its authentication
 * pipeline ({@code "idx"}: Identity Engine, {@code "v1"}: Classic Engine; {@code PipelineType}),
 * {@code _links.organization} (its canonical URL; {@code alternate} only with a custom domain) and
 * {@code settings} ({@code analyticsCollectionEnabled}, {@code bugReportingEnabled},
 * {@code omEnabled}).
 */
final class SimOrgMetadata {

  static final String PATH = "/.well-known/okta-organization";

  private SimOrgMetadata() {}

  static void handle(SimServer server, OktaSimulator sim, HttpServerRequest req, String base) {
    String pipeline;
    String id;
    synchronized (sim) {
      pipeline = sim.identityEngine ? "idx" : "v1";
      id = "00o" + SimUsers.base62(SimUsers.mix(sim.users.seed, -7), 17);
    }
    JsonObject body = new JsonObject().put("id", id).put("pipeline", pipeline)
        .put("_links", new JsonObject().put("organization", new JsonObject().put("href", base)))
        .put("settings", new JsonObject().put("analyticsCollectionEnabled", false).put("bugReportingEnabled", true)
            .put("omEnabled", false));
    server.send(req, 200, body.encode(), null);
  }
}
