package io.flare.iem.oktasim;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated org's Okta ThreatInsight and IP network zones: its configuration and zones as the
 * management API shows them, and ThreatInsight refusing {@code /api/v1/authn} from an address it
 * holds malicious. What it models, and where Okta documents it:
 * <ul>
 *   <li>The configuration object is {@code {"action", "excludeZones", "created", "lastUpdated",
 *       "_links"}}; {@code action} is {@code none} (off), {@code audit} (logged) or {@code block}
 *       (logged and blocked); {@code excludeZones} lists network zone ids whose addresses "aren't
 *       logged or blocked". Read with {@code GET /api/v1/threats/configuration}, scope
 *       {@code okta.threatInsights.read} (developer docs reference/api/threat-insight; management
 *       spec, tag ThreatInsight). A new org answers as the reference's GET example does:
 *       {@code audit}, no excluded zone.</li>
 *   <li>An IP zone is {@code {"type":"IP", "id":"nzo…", "name", "status", "usage":"POLICY",
 *       "system":false, "gateways":[{"type":"CIDR"|"RANGE","value"}], "proxies", "created",
 *       "lastUpdated", "_links"}}, read with {@code GET /api/v1/zones/{id}}, scope
 *       {@code okta.networkZones.read} (reference/api/zones; management spec, tag NetworkZone);
 *       an unknown id is 404 {@code E0000007}.</li>
 *   <li>A blocked sign-in "receives an HTTP 403 error"; detection "takes place prior to
 *       authentication evaluation", so the password is not checked and no lockout is counted
 *       (help.okta.com, About Okta ThreatInsight; Configure Okta ThreatInsight: "Log and block …
 *       returning an HTTP 403 error"). The sign-in page then shows "You do not have permission to
 *       perform the requested action" (support.okta.com, sign-in error due to ThreatInsight
 *       blocking IP address), which is {@code E0000006}'s summary: the 403 carries that error
 *       object. Its exact body and headers on {@code /api/v1/authn} are not documented; we send no
 *       rate-limit headers, as recorded answers refused before rate limiting have none.</li>
 * </ul>
 * ThreatInsight's limited coverage of other endpoints is not modelled: management calls pass.
 */
public final class SimThreatInsight {

  private final OktaSimulator sim;
  private String action = "audit";
  private final List<String> excludeZones = new ArrayList<>();
  private final Map<String, JsonObject> zones = new LinkedHashMap<>();
  private final long created;
  private long lastUpdated;
  private boolean flagged;
  private long refused;

  SimThreatInsight(OktaSimulator sim) {
    this.sim = sim;
    this.created = sim.now() - 86_400_000L;
    this.lastUpdated = created;
  }

  /** ThreatInsight's action: {@code none}, {@code audit} or {@code block}. */
  public SimThreatInsight action(String value) {
    if (!List.of("none", "audit", "block").contains(value)) {
      throw new IllegalArgumentException("action is none, audit or block");
    }
    synchronized (sim) {
      action = value;
      lastUpdated = sim.now();
    }
    return this;
  }

  /** The network zones ThreatInsight leaves alone (replacing the list). */
  public SimThreatInsight excludeZones(String... zoneIds) {
    synchronized (sim) {
      excludeZones.clear();
      excludeZones.addAll(List.of(zoneIds));
      lastUpdated = sim.now();
    }
    return this;
  }

  /** Adds an ACTIVE IP zone whose gateways are CIDRs ({@code 10.0.0.0/8}) or ranges ({@code a-b}); returns its id. */
  public String addIpZone(String name, String... gateways) {
    JsonArray addresses = new JsonArray();
    for (String g : gateways) {
      addresses.add(new JsonObject().put("type", g.contains("-") ? "RANGE" : "CIDR").put("value", g));
    }
    synchronized (sim) {
      String id = "nzo" + SimServer.randomToken(17);
      String now = UserJson.iso(new StringBuilder(), sim.now()).toString();
      zones.put(id, new JsonObject().put("type", "IP").put("id", id).put("name", name).put("status", "ACTIVE")
          .put("usage", "POLICY").put("created", now).put("lastUpdated", now).put("system", false)
          .put("gateways", addresses).putNull("proxies"));
      return id;
    }
  }

  /**
   * The switch of tests: {@code true} makes ThreatInsight hold the service's address malicious in
   * "Log and block" mode (action {@code block}): every authn call from it is refused 403, unless the
   * address is in an excluded zone. {@code false} clears the address (the block lifts).
   */
  public SimThreatInsight blockOurAddress(boolean block) {
    synchronized (sim) {
      flagged = block;
      if (block) {
        action = "block";
        lastUpdated = sim.now();
      }
    }
    return this;
  }

  /** Authn calls refused 403 so far. */
  public long refusedCalls() {
    synchronized (sim) {
      return refused;
    }
  }

  // ---- the simulator's side -----------------------------------------------------------------

  static boolean serves(String path) {
    return path.equals("/api/v1/threats/configuration") || path.startsWith("/api/v1/zones/");
  }

  /** Whether an authn call from {@code address} is refused; caller holds the simulator's lock. */
  boolean blocks(String address) {
    if (!flagged || !action.equals("block")) {
      return false;
    }
    for (String id : excludeZones) {
      JsonObject zone = zones.get(id);
      if (zone != null && "ACTIVE".equals(zone.getString("status")) && inGateways(address, zone)) {
        return false;
      }
    }
    return true;
  }

  void refuse(SimServer server, HttpServerRequest req) {
    synchronized (sim) {
      refused++;
    }
    server.apiError(req, OktaErrors.NO_PERMISSION, null, List.of(), null);
  }

  void handle(SimServer server, HttpServerRequest req) {
    boolean threats = req.path().equals("/api/v1/threats/configuration");
    String scope = threats ? "okta.threatInsights.read" : "okta.networkZones.read";
    SimServer.Principal p = server.authenticate(req, scope);
    if (p == null) {
      return;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int share;
    synchronized (sim) {
      share = p.app() == null ? 50 : p.app().sharePercent;
    }
    if (!server.admit(req, p.key(), SimBucket.OTHER, share, headers)) {
      return;
    }
    if (req.method() != HttpMethod.GET) {
      server.apiError(req, OktaErrors.METHOD_NOT_ALLOWED, null, List.of(), headers);
      return;
    }
    if (p.scopes() != null && !p.scopes().contains(scope)) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put("WWW-Authenticate", SimServer.challenge(server.tokensBound(p) ? "DPoP" : "Bearer",
          SimServer.base(req), scope, OktaErrors.INSUFFICIENT_SCOPE, req.path()));
      server.apiError(req, OktaErrors.NO_PERMISSION, null, List.of(), h);
      return;
    }
    if (p.permissions().isEmpty()) { // no admin role at all
      server.apiError(req, OktaErrors.NO_PERMISSION, null, List.of(), headers);
      return;
    }
    String base = SimServer.base(req);
    String body;
    synchronized (sim) {
      if (threats) {
        body = new JsonObject().put("action", action).put("excludeZones", new JsonArray(new ArrayList<>(excludeZones)))
            .put("created", iso(created)).put("lastUpdated", iso(lastUpdated))
            .put("_links", new JsonObject().put("self", new JsonObject()
                .put("href", base + "/api/v1/threats/configuration")
                .put("hints", new JsonObject().put("allow", List.of("GET", "POST"))))).encode();
      } else {
        String id = req.path().substring("/api/v1/zones/".length());
        JsonObject zone = zones.get(id);
        body = zone == null ? null : zone.copy().put("_links", new JsonObject().put("self", new JsonObject()
            .put("href", base + "/api/v1/zones/" + id)
            .put("hints", new JsonObject().put("allow", List.of("GET", "PUT", "DELETE"))))).encode();
      }
    }
    if (body == null) {
      server.apiError(req, OktaErrors.NOT_FOUND, "Resource not found: " + req.path().substring(14) + " (Zone)",
          List.of(), headers);
      return;
    }
    server.send(req, 200, body, headers);
  }

  private static String iso(long millis) {
    return UserJson.iso(new StringBuilder(), millis).toString();
  }

  private static boolean inGateways(String address, JsonObject zone) {
    BigInteger ip = number(address);
    if (ip == null) {
      return false;
    }
    for (Object item : zone.getJsonArray("gateways", new JsonArray())) {
      String value = ((JsonObject) item).getString("value", "");
      BigInteger low;
      BigInteger high;
      if (value.contains("-")) {
        low = number(value.substring(0, value.indexOf('-')).trim());
        high = number(value.substring(value.indexOf('-') + 1).trim());
      } else {
        String[] cidr = value.split("/");
        low = number(cidr[0].trim());
        if (low == null) {
          continue;
        }
        int bits = cidr.length > 1 ? Integer.parseInt(cidr[1].trim()) : 32;
        BigInteger size = BigInteger.ONE.shiftLeft(32 - bits);
        low = low.subtract(low.mod(size));
        high = low.add(size).subtract(BigInteger.ONE);
      }
      if (low != null && high != null && ip.compareTo(low) >= 0 && ip.compareTo(high) <= 0) {
        return true;
      }
    }
    return false;
  }

  /** An IPv4 literal as a number (the simulator's zones are IPv4), or null. */
  private static BigInteger number(String literal) {
    if (!literal.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return null;
    }
    try {
      return new BigInteger(1, InetAddress.getByName(literal).getAddress());
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
