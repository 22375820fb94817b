package io.flare.iem.oktasim;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The org's groups and its admins, as the service reads them for protected accounts:
 * <ul>
 *   <li>{@code GET /api/v1/groups/{groupId}/users} ("List all member users", Okta Management API,
 *       Groups): scope {@code okta.groups.read}, the admin permission to view groups; an array of
 *       users, paged with {@code after} (a user id) and {@code limit} (default and most 1,000), the
 *       pages linked by {@code Link: <...>; rel="self"} and {@code rel="next"} headers as the users
 *       list is; 404 {@code E0000007} for an unknown group.
 *   <li>{@code GET /api/v1/iam/assignees/users} ("List all users with role assignments", Role
 *       assignment API): scope {@code okta.roles.read}, the permission to view admin assignments
 *       ({@code okta.iam.read}); {@code {"value":[{"id","orn","_links":{"self","roles"}}],
 *       "_links":{"next":{"href"}}}}, paged with {@code after} and {@code limit} (default 100).
 * </ul>
 */
public final class SimGroups {

  static final String GROUPS_SCOPE = "okta.groups.read";
  private static final int GROUP_PAGE_MAX = 1000;
  private static final int ADMIN_PAGE_DEFAULT = 100;

  private final OktaSimulator sim;
  private final Map<String, Set<String>> members = new LinkedHashMap<>();
  private final Set<String> admins = new LinkedHashSet<>();

  SimGroups(OktaSimulator sim) {
    this.sim = sim;
  }

  /** Creates (or replaces) group {@code groupId} with these members (user ids). */
  public SimGroups group(String groupId, String... userIds) {
    synchronized (sim) {
      members.put(groupId, new LinkedHashSet<>(List.of(userIds)));
    }
    return this;
  }

  /** Adds a member to an existing group. */
  public SimGroups addMember(String groupId, String userId) {
    synchronized (sim) {
      members.computeIfAbsent(groupId, g -> new LinkedHashSet<>()).add(userId);
    }
    return this;
  }

  /** Gives a user an admin role (any standard role: the assignees list does not say which). */
  public SimGroups assignAdminRole(String userId) {
    synchronized (sim) {
      admins.add(userId);
    }
    return this;
  }

  static boolean servesGroupMembers(String path) {
    String[] parts = path.split("/");
    return parts.length == 6 && parts[3].equals("groups") && parts[5].equals("users");
  }

  static boolean servesAssignees(String path) {
    return path.equals("/api/v1/iam/assignees/users");
  }

  /** {@code GET /api/v1/groups/{groupId}/users}. */
  void groupMembers(SimServer server, HttpServerRequest req) {
    server.count(req, req.method().name() + " /api/v1/groups/{id}/users");
    Map<String, String> headers = admitted(server, req, GROUPS_SCOPE, SimApp.GROUPS_READ);
    if (headers == null) {
      return;
    }
    String groupId = req.path().split("/")[4];
    int limit = Math.min(GROUP_PAGE_MAX, intParam(req, "limit", GROUP_PAGE_MAX));
    String after = req.getParam("after");
    String base = SimServer.base(req);
    StringBuilder json = new StringBuilder("[");
    String next = null;
    synchronized (sim) {
      Set<String> group = members.get(groupId);
      if (group == null) {
        server.apiError(req, OktaErrors.NOT_FOUND, "Not found: Resource not found: " + groupId + " (UserGroup)",
            List.of(), headers);
        return;
      }
      List<String> page = page(new ArrayList<>(group), after, limit);
      for (String id : page) {
        SimUser u = sim.users.find(id);
        if (u != null) {
          if (json.length() > 1) {
            json.append(',');
          }
          UserJson.listed(json, u, base, sim.users.typeId);
        }
      }
      if (!page.isEmpty() && group.size() > indexAfter(new ArrayList<>(group), after) + page.size()) {
        next = page.get(page.size() - 1);
      }
    }
    json.append(']');
    String self = base + "/api/v1/groups/" + groupId + "/users?" + (after != null ? "after=" + after + "&" : "")
        + "limit=" + limit;
    req.response().headers().add("Link", "<" + self + ">; rel=\"self\"");
    if (next != null) {
      req.response().headers().add("Link", "<" + base + "/api/v1/groups/" + groupId + "/users?after=" + next
          + "&limit=" + limit + ">; rel=\"next\"");
    }
    server.send(req, 200, json.toString(), headers);
  }

  /** {@code GET /api/v1/iam/assignees/users}. */
  void assignees(SimServer server, HttpServerRequest req) {
    server.count(req, "GET /api/v1/iam/assignees/users");
    Map<String, String> headers = admitted(server, req, SimRoles.SCOPE, SimApp.IAM_READ);
    if (headers == null) {
      return;
    }
    int limit = intParam(req, "limit", ADMIN_PAGE_DEFAULT);
    String after = req.getParam("after");
    String base = SimServer.base(req);
    JsonObject body = new JsonObject();
    synchronized (sim) {
      List<String> all = new ArrayList<>(admins);
      List<String> page = page(all, after, limit);
      JsonArray value = new JsonArray();
      for (String id : page) {
        value.add(new JsonObject().put("id", id).put("orn", "orn:okta:directory:" + sim.orgId() + ":users:" + id)
            .put("_links", new JsonObject()
                .put("self", new JsonObject().put("href", base + "/api/v1/users/" + id))
                .put("roles", new JsonObject().put("href", base + "/api/v1/users/" + id + "/roles"))));
      }
      body.put("value", value);
      JsonObject links = new JsonObject();
      if (!page.isEmpty() && all.size() > indexAfter(all, after) + page.size()) {
        links.put("next", new JsonObject().put("href", base + "/api/v1/iam/assignees/users?after="
            + page.get(page.size() - 1) + "&limit=" + limit));
      }
      body.put("_links", links);
    }
    server.send(req, 200, body.encode(), headers);
  }

  private Map<String, String> admitted(SimServer server, HttpServerRequest req, String scope, String permission) {
    SimServer.Principal p = server.authenticate(req, scope);
    if (p == null) {
      return null;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int share;
    synchronized (sim) {
      share = p.app() == null ? 50 : p.app().sharePercent;
    }
    if (!server.admit(req, p.key(), SimBucket.OTHER, share, headers)) {
      return null;
    }
    if (req.method() != HttpMethod.GET) {
      server.apiError(req, OktaErrors.METHOD_NOT_ALLOWED, null, List.of(), headers);
      return null;
    }
    return server.authorized(req, p, scope, permission, headers) ? headers : null;
  }

  private static List<String> page(List<String> ids, String after, int limit) {
    int from = indexAfter(ids, after);
    return ids.subList(Math.min(from, ids.size()), Math.min(ids.size(), from + Math.max(1, limit)));
  }

  private static int indexAfter(List<String> ids, String after) {
    return after == null ? 0 : ids.indexOf(after) + 1;
  }

  private static int intParam(HttpServerRequest req, String name, int fallback) {
    try {
      return req.getParam(name) == null ? fallback : Integer.parseInt(req.getParam(name));
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
