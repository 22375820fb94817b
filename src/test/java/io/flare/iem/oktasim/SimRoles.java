package io.flare.iem.oktasim;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The role assignment APIs an app reads about itself, all with scope {@code okta.roles.read}:
 * <ul>
 *   <li>{@code GET /oauth2/v1/clients/{clientId}/roles}: the client's assignments, an array of role
 *       objects {@code id, label, type, status, created, lastUpdated, assignmentType, _links.assignee}
 *       (a recorded 2020 answer for a group's roles has exactly these fields), a custom one adding
 *       {@code role}, {@code resource-set} and {@code _links.role / resource-set / permissions}
 *       (Okta Administrator Roles API reference, "Response example with Custom Roles");
 *   <li>{@code GET /api/v1/iam/roles/{roleIdOrLabel}/permissions}:
 *       {@code {"permissions":[{"label","created","lastUpdated","_links"}]}};
 *   <li>{@code GET /api/v1/iam/resource-sets/{resourceSetId}/resources}:
 *       {@code {"resources":[{"id","orn","created","lastUpdated","_links":{"self":{"href"}}}]}}, a
 *       resource named by its ORN ({@code orn:okta:directory:{orgId}:users},
 *       {@code ...:groups:{groupId}:contained_resources}, {@code ...:groups:{groupId}}) and REST URL
 *       (Okta developer docs, Role assignment: "Supported resources").
 * </ul>
 * Reading them takes the permission to view roles, resources and admin assignments
 * ({@code okta.iam.read}; among the standard roles, the Super administrator's): 403 {@code E0000006}
 * otherwise.
 */
final class SimRoles {

  static final String SCOPE = "okta.roles.read";

  private final OktaSimulator sim;
  private final SimServer server;
  private final String orgId;

  SimRoles(OktaSimulator sim, SimServer server) {
    this.sim = sim;
    this.server = server;
    this.orgId = "00o" + SimUsers.base62(SimUsers.mix(sim.users.seed, -7), 17);
  }

  static boolean serves(String path) {
    return path.startsWith("/api/v1/iam/") || (path.startsWith("/oauth2/v1/clients/") && path.endsWith("/roles"));
  }

  void handle(HttpServerRequest req) {
    String[] parts = req.path().split("/");
    server.count(req, req.method().name() + " " + pattern(parts));
    SimServer.Principal p = server.authenticate(req, SCOPE);
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
    if (!server.authorized(req, p, SCOPE, SimApp.IAM_READ, headers)) {
      return;
    }
    String base = SimServer.base(req);
    String body;
    synchronized (sim) {
      body = parts.length == 6 && parts[3].equals("clients") ? clientRoles(decode(parts[4]), base)
          : parts.length == 7 && parts[4].equals("roles") && parts[6].equals("permissions")
              ? permissions(decode(parts[5]), base)
          : parts.length == 7 && parts[4].equals("resource-sets") && parts[6].equals("resources")
              ? resources(decode(parts[5]), base) : null;
    }
    if (body == null) {
      server.apiError(req, OktaErrors.NOT_FOUND, "Resource not found: " + req.path(), List.of(), headers);
      return;
    }
    server.send(req, 200, body, headers);
  }

  private static String pattern(String[] parts) {
    String[] out = parts.clone();
    if (out.length >= 5 && out[1].equals("oauth2")) {
      out[4] = "{clientId}";
    } else if (out.length >= 6) {
      out[5] = "{id}";
    }
    return String.join("/", out);
  }

  private static String decode(String part) {
    return URLDecoder.decode(part, StandardCharsets.UTF_8);
  }

  private String clientRoles(String clientId, String base) {
    SimApp app = sim.apps.get(clientId);
    if (app == null) {
      return null;
    }
    String created = UserJson.iso(new StringBuilder(), sim.now() - 86_400_000L).toString();
    JsonArray out = new JsonArray();
    for (SimApp.Assignment a : app.roles) {
      JsonObject links = new JsonObject().put("assignee", href(base + "/oauth2/v1/clients/" + clientId));
      JsonObject role = new JsonObject().put("id", a.id()).put("status", "ACTIVE").put("created", created)
          .put("lastUpdated", created).put("assignmentType", "CLIENT");
      if (a.standard() != null) {
        role.put("label", a.standard().label).put("type", a.standard().type);
      } else {
        String set = a.resourceSet().id();
        role.put("role", a.custom().id()).put("label", a.custom().label()).put("type", "CUSTOM").put("resource-set", set);
        links.put("resource-set", href(base + "/api/v1/iam/resource-sets/" + set))
            .put("role", href(base + "/api/v1/iam/roles/" + a.custom().id()))
            .put("permissions", href(base + "/api/v1/iam/permission-sets/" + a.custom().id() + "/permissions"));
      }
      out.add(role.put("_links", links));
    }
    return out.encode();
  }

  private String permissions(String roleIdOrLabel, String base) {
    SimApp.CustomRole role = customRoles().stream()
        .filter(r -> r.id().equals(roleIdOrLabel) || r.label().equals(roleIdOrLabel)).findFirst().orElse(null);
    if (role == null) {
      return null;
    }
    String created = UserJson.iso(new StringBuilder(), sim.now() - 86_400_000L).toString();
    JsonArray permissions = new JsonArray();
    role.permissions().stream().sorted().forEach(label -> permissions.add(new JsonObject().put("label", label)
        .put("created", created).put("lastUpdated", created)
        .put("_links", new JsonObject().put("role", href(base + "/api/v1/iam/roles/" + role.id()))
            .put("self", href(base + "/api/v1/iam/roles/" + role.id() + "/permissions/" + label)))));
    return new JsonObject().put("permissions", permissions)
        .put("_links", new JsonObject().put("role", href(base + "/api/v1/iam/roles/" + role.id()))).encode();
  }

  private String resources(String resourceSetId, String base) {
    SimApp.ResourceSet set = sim.apps.values().stream().flatMap(a -> a.roles.stream())
        .map(SimApp.Assignment::resourceSet).filter(s -> s != null && s.id().equals(resourceSetId))
        .findFirst().orElse(null);
    if (set == null) {
      return null;
    }
    String created = UserJson.iso(new StringBuilder(), sim.now() - 86_400_000L).toString();
    JsonArray resources = new JsonArray();
    int n = 0;
    for (String path : set.resources()) {
      resources.add(new JsonObject().put("id", "ire" + String.format("%017d", ++n)).put("orn", orn(path))
          .put("created", created).put("lastUpdated", created)
          .put("_links", new JsonObject().put("self", href(base + path))));
    }
    return new JsonObject().put("resources", resources)
        .put("_links", new JsonObject().put("resource-set", href(base + "/api/v1/iam/resource-sets/" + set.id())))
        .encode();
  }

  private List<SimApp.CustomRole> customRoles() {
    List<SimApp.CustomRole> out = new ArrayList<>();
    sim.apps.values().forEach(a -> a.roles.stream().map(SimApp.Assignment::custom).filter(r -> r != null)
        .forEach(out::add));
    return out;
  }

  /** The ORN of a resource given by its REST path. */
  private String orn(String path) {
    String prefix = "orn:okta:directory:" + orgId + ":";
    if (path.equals("/api/v1/users")) {
      return prefix + "users";
    }
    String[] parts = path.split("/");
    if (parts.length == 6 && parts[5].equals("users")) {
      return prefix + "groups:" + parts[4] + ":contained_resources";
    }
    return parts.length == 5 ? prefix + "groups:" + parts[4] : null;
  }

  private static JsonObject href(String url) {
    return new JsonObject().put("href", url);
  }
}
