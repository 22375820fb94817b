package io.flare.iem.oktasim;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * {@code GET /.well-known/okta-organization}, the org's public metadata, as Okta documents it:
 *
 * <ul>
 *   <li>Management API, OrgSetting(Metadata) tag, operation {@code getWellknownOrgMetadata}
 *       ({@code okta/okta-management-openapi-spec}, and
 *       developer.okta.com/docs/api/openapi/okta-management/management/tag/OrgSetting/):
 *       "Retrieves the well-known org metadata, which includes the id, configured custom domains,
 *       authentication pipeline, and various other org settings". No authentication (Okta's Java
 *       SDK integration test calls it "a read-only public endpoint").</li>
 *   <li>The documented example: {@code {"id":"00o47wwoytgsDqEtz0g7","_links":{"organization":
 *       {"href":"https://{yourSubdomain}.okta.com"},"alternate":{"href":"https://{yourCustomDomain}"}},
 *       "pipeline":"idx","settings":{"analyticsCollectionEnabled":false,"bugReportingEnabled":true,
 *       "omEnabled":false}}}; {@code pipeline} is {@code idx} (Identity Engine) or {@code v1}
 *       (Classic) (the spec's {@code PipelineType}; Okta's Terraform provider reads it so).</li>
 *   <li>{@code _links.organization} is the org's standard URL, {@code _links.alternate} its custom
 *       domain URL (Okta's Terraform provider, data source {@code okta_org_metadata}).</li>
 * </ul>
 *
 * <p>Not documented, and modelled as the simplest reading: {@code alternate} appears only when the
 * org has a custom domain, and the document is the same whichever of the org's hosts serves it.
 */
final class SimOrgMetadata {

  static final String PATH = "/.well-known/okta-organization";

  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  private SimOrgMetadata() {}

  static void handle(OktaSimulator sim, HttpServerRequest req) {
    if (req.method() != HttpMethod.GET) {
      send(req, OktaErrors.METHOD_NOT_ALLOWED.status(), OktaErrors.body(OktaErrors.METHOD_NOT_ALLOWED, null,
          List.of()));
      return;
    }
    JsonObject links = new JsonObject().put("organization", new JsonObject().put("href", sim.baseUrl()));
    String customDomain = sim.customDomain();
    if (customDomain != null) {
      links.put("alternate", new JsonObject().put("href", "https://" + customDomain));
    }
    JsonObject doc = new JsonObject()
        .put("id", sim.orgId())
        .put("_links", links)
        .put("pipeline", sim.pipeline())
        .put("settings", new JsonObject()
            .put("analyticsCollectionEnabled", false)
            .put("bugReportingEnabled", true)
            .put("omEnabled", false));
    send(req, 200, doc.encode());
  }

  private static void send(HttpServerRequest req, int status, String body) {
    HttpServerResponse res = req.response();
    if (res.ended() || res.closed()) {
      return;
    }
    res.setStatusCode(status)
        .putHeader("Date", HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)))
        .putHeader("Server", "nginx")
        .putHeader("X-Okta-Request-Id", OktaErrors.requestId())
        .putHeader("Content-Type", "application/json")
        .end(body);
  }
}
