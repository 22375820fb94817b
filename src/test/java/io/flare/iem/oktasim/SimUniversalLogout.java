package io.flare.iem.oktasim;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Universal Logout: {@code POST /oauth2/v1/global-token-revocation}, Okta's Global Token Revocation
 * API, as documented:
 * <ul>
 *   <li>Okta's OAuth spec ({@code okta/okta-management-openapi-spec}, {@code dist/current/oauth-*.yaml},
 *       operation {@code globalTokenRevocation}, tag GlobalTokenRevocation): scope
 *       {@code okta.universalLogout.manage}; JSON body {@code {"sub_id":{"format":"opaque","id":"00u..."}}}
 *       ("use the opaque format for Okta user IDs"); answers 204 No Content, 400 Bad Request (no body
 *       documented), 403 {@code E0000006}, 429;
 *   <li>it revokes all the user's tokens and sessions and runs IdP-initiated sign-out in the apps that
 *       support it; it belongs to Identity Threat Protection (help.okta.com, Configure Universal
 *       Logout: orgs without ITP can only trigger it by hand in the Admin Console), so an org without
 *       it does not grant the scope ({@link OktaSimulator#universalLogoutOffered}) and an SSWS call
 *       gets {@code E0000015} (the catalogue's "Feature not enabled");
 *   <li>which admin permission it takes is not documented (a 403 "when the necessary permissions
 *       were missing", Okta Workflows ITP connector): modelled as the permission to clear user
 *       sessions [assumption].
 * </ul>
 * Revoking twice is harmless. {@link SimFaults#loseReplyAfterApplying} applies with operation
 * {@code global-token-revocation}.
 */
final class SimUniversalLogout {

  static final String PATH = "/oauth2/v1/global-token-revocation";
  static final String SCOPE = "okta.universalLogout.manage";

  private final OktaSimulator sim;
  private final SimServer server;

  SimUniversalLogout(OktaSimulator sim, SimServer server) {
    this.sim = sim;
    this.server = server;
  }

  void handle(HttpServerRequest req, Buffer body) {
    server.count(req, req.method().name() + " " + PATH);
    SimServer.Principal p = server.authenticate(req, SCOPE);
    if (p == null) {
      return;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int share;
    boolean offered;
    synchronized (sim) {
      share = p.app() == null ? 50 : p.app().sharePercent;
      offered = sim.universalLogout;
    }
    if (!server.admit(req, p.key(), SimBucket.OTHER, share, headers)) {
      return;
    }
    if (req.method() != HttpMethod.POST) {
      server.apiError(req, OktaErrors.METHOD_NOT_ALLOWED, null, List.of(), headers);
      return;
    }
    if (!offered) {
      server.apiError(req, OktaErrors.FEATURE_NOT_ENABLED, null, List.of(), headers);
      return;
    }
    if (!server.authorized(req, p, SCOPE, SimApp.CLEAR_SESSIONS, headers)) {
      return;
    }
    String userId = opaqueId(body);
    boolean lose;
    synchronized (sim) {
      SimUser user = userId == null ? null : sim.users.find(userId);
      if (user == null || !user.id.equals(userId) || (p.app() != null && !p.app().sees(user.index))) {
        userId = null;
        lose = false;
      } else {
        sim.counters.recordLifecycle(user.id, "global-token-revocation");
        lose = sim.faults.loseReply("global-token-revocation");
      }
    }
    if (userId == null) {
      server.send(req, 400, null, headers);
      return;
    }
    if (lose) {
      req.connection().close();
      return;
    }
    server.send(req, 204, null, headers);
  }

  /** The Okta user id of an {@code opaque} {@code sub_id}, or null when the body is not one. */
  private static String opaqueId(Buffer body) {
    try {
      JsonObject subId = new JsonObject(body.toString(StandardCharsets.UTF_8)).getJsonObject("sub_id");
      if (subId == null || !"opaque".equals(subId.getString("format"))) {
        return null;
      }
      String id = subId.getString("id");
      return id == null || id.isBlank() ? null : id;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
