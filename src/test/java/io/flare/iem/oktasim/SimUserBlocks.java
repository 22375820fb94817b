package io.flare.iem.oktasim;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * User blocks of an Identity Engine org, and {@code GET /api/v1/users/{id}/blocks}.
 *
 * <p>With "Block suspicious password attempts from unknown devices" on, Okta locks a user out on
 * unknown devices only: the user stays ACTIVE, sign-ins from known devices still work, and the
 * blocks endpoint answers {@code [{"type":"DEVICE_BASED","appliesTo":"UNKNOWN_DEVICES"}]}
 * ({@code ANY_DEVICES} when fully locked) (okta-api.md §4; Okta support, "Active User Showing Locked
 * Out on Login in System Logs": the System Log shows the refused sign-in as locked out while the
 * user is ACTIVE). Our authn calls carry no device token, so they always come from an unknown
 * device: {@code /api/v1/authn} answers 401 {@code E0000004} whatever the password and logs
 * {@code user.session.start} FAILURE {@code LOCKED_OUT}. The endpoint (spec operation
 * {@code listUserBlocks}: 200 array of {@code UserBlock}, 403, 404, 429) needs {@code okta.users.read};
 * Classic Engine orgs have no such blocks: their users' lists are empty.
 */
public final class SimUserBlocks {

  private final OktaSimulator sim;
  private final Set<String> unknownDevices = new HashSet<>();

  SimUserBlocks(OktaSimulator sim) {
    this.sim = sim;
  }

  /** Okta now blocks this user's sign-ins from unknown devices (Identity Engine orgs only). */
  public SimUserBlocks blockUnknownDevices(String userId) {
    synchronized (sim) {
      unknownDevices.add(userId);
    }
    return this;
  }

  /** The block lifts (the user signed in from a known device, or an admin unlocked the user). */
  public SimUserBlocks clear(String userId) {
    synchronized (sim) {
      unknownDevices.remove(userId);
    }
    return this;
  }

  /** Called under the simulator's lock: whether authn from an unknown device is refused for this user. */
  boolean blocksUnknownDevices(SimUser u) {
    return sim.identityEngine && unknownDevices.contains(u.id);
  }

  static boolean matches(String[] parts) {
    return parts.length == 6 && parts[3].equals("users") && parts[5].equals("blocks");
  }

  void list(SimServer server, HttpServerRequest req, SimApp app, String idOrLogin, Map<String, String> headers) {
    JsonArray blocks = new JsonArray();
    synchronized (sim) {
      SimUser u = sim.users.find(idOrLogin);
      if (u == null || (app != null && !app.sees(u.index))) {
        server.apiError(req, OktaErrors.NOT_FOUND, "Resource not found: " + idOrLogin + " (User)", List.of(), headers);
        return;
      }
      if (sim.identityEngine && u.status.equals("LOCKED_OUT")) {
        blocks.add(block("ANY_DEVICES"));
      } else if (blocksUnknownDevices(u)) {
        blocks.add(block("UNKNOWN_DEVICES"));
      }
    }
    server.send(req, 200, blocks.encode(), headers);
  }

  private static JsonObject block(String appliesTo) {
    return new JsonObject().put("type", "DEVICE_BASED").put("appliesTo", appliesTo);
  }
}
