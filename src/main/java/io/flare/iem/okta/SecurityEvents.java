package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Okta's SSF receiver: {@code POST /security/api/v1/security-events} with a signed Security Event
 * Token (RFC 8417) as the body, {@code Content-Type: application/secevent+jwt}, and no access token
 * (the token's signature, checked against the Security Events Provider's JWKS URL, is what
 * authenticates it). Okta answers {@code 202 Accepted}, or {@code 400} with RFC 8935's
 * {@code {"err": ..., "description": ...}} for a token it refuses (developer.okta.com, "SSF Security
 * Event Tokens" API, Identity Threat Protection).
 */
final class SecurityEvents {

  static final String PATH = "/security/api/v1/security-events";
  static final String CONTENT_TYPE = "application/secevent+jwt";

  private SecurityEvents() {}

  /**
   * Sends one token. A 429 is waited out; a failure whose effect is unknown (no reply, 5xx) fails
   * the future and is not retried here: the caller's outbox sends it again with the same jti.
   */
  static Future<SecurityEventOutcome> publish(OrgConnection connection, Usage usage, String signedSet) {
    Buffer body = Buffer.buffer(signedSet);
    OrgConnection.Call call = new OrgConnection.Call(HttpMethod.POST, connection.url(PATH), Bucket.OTHER, null,
        () -> body, CONTENT_TYPE, OrgConnection.Retries.RATE_LIMITS_ONLY, null);
    return connection.execute(call, usage).compose(r -> {
      if (r.status() >= 200 && r.status() < 300) {
        return Future.succeededFuture(new SecurityEventOutcome.Accepted(r.requestId()));
      }
      if (r.status() >= 400 && r.status() < 500 && r.status() != 429) {
        JsonObject error = r.json();
        return Future.succeededFuture(new SecurityEventOutcome.Rejected(r.status(),
            error.getString("err", error.getString("errorCode", "")),
            error.getString("description", error.getString("errorSummary", "")), r.requestId()));
      }
      return Future.failedFuture(r.failure());
    });
  }

  /** The org's Security Events Providers' settings ({@code okta.securityEventsProviders.read}). */
  static final String PROVIDERS_READ = "okta.securityEventsProviders.read";

  /**
   * {@code GET /api/v1/security-events-providers} (SSF Receiver API): each provider as Okta lists
   * it ({@code name}, {@code status}, {@code settings.issuer}, {@code settings.jwks_url} or
   * {@code settings.well_known_url}). Fails with the typed {@link OktaException} otherwise.
   */
  static Future<List<JsonObject>> providers(OrgConnection connection, Usage usage) {
    return connection.executeOk(OrgConnection.Call.get(connection.url("/api/v1/security-events-providers"),
        Bucket.OTHER, Set.of(PROVIDERS_READ)), usage).map(r -> {
          List<JsonObject> out = new ArrayList<>();
          r.jsonArray().forEach(item -> {
            if (item instanceof JsonObject o) {
              out.add(o);
            }
          });
          return out;
        });
  }
}
