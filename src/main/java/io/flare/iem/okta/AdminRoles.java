package io.flare.iem.okta;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Okta's admin roles as the service app holds them, and what Okta documents about them: the role
 * assignments of a client ({@code GET /oauth2/v1/clients/{clientId}/roles}), the permissions of a
 * custom role and the resources of a resource set. Sources: the Okta developer docs "Role
 * assignment" concept page (permission types, resource sets and their REST URLs / ORNs, "a
 * permission that doesn't apply to the resources in the resource set gives no privileges") and
 * the Administrator Roles API reference (assignment objects: {@code type}, {@code status},
 * {@code role}, {@code resource-set}).
 */
public final class AdminRoles {

  /** View users and their details. */
  public static final String USERS_READ = "okta.users.read";
  /** Suspend users. */
  public static final String SUSPEND = "okta.users.lifecycle.suspend";
  /** Clear user sessions (and OAuth tokens). */
  public static final String CLEAR_SESSIONS = "okta.users.lifecycle.clearSessions";

  private static final String USERS_MANAGE = "okta.users.manage";
  private static final String LIFECYCLE_MANAGE = "okta.users.lifecycle.manage";

  /**
   * The user permissions of the standard roles Okta (or the setup guide built on it) documents;
   * other standard roles are not modelled and stay unverified:
   * <ul>
   *   <li>SUPER_ADMIN: "can perform all administrative tasks in the org and have full administrative
   *       access" (help.okta.com, Standard administrator roles and permissions);
   *   <li>ORG_ADMIN and USER_ADMIN (Group administrator): hold the user lifecycle permissions
   *       (help.okta.com, Edit or revoke admin permissions: "org admins and group admins with user
   *       lifecycle permissions can deactivate super admins"); the Flare setup guide names the Group
   *       administrator role as the one that allows mitigation (suspend users, clear user sessions);
   *   <li>READ_ONLY_ADMIN: views users, changes nothing (setup guide: "sync only the identity
   *       identifiers without any remediation actions");
   *   <li>GROUP_MEMBERSHIP_ADMIN: "View users", and "can't ... manage users" (help.okta.com, Group
   *       membership administrators).
   * </ul>
   */
  private static final Map<String, Set<String>> STANDARD = Map.of(
      "SUPER_ADMIN", Set.of(USERS_READ, SUSPEND, CLEAR_SESSIONS),
      "ORG_ADMIN", Set.of(USERS_READ, SUSPEND, CLEAR_SESSIONS),
      "USER_ADMIN", Set.of(USERS_READ, SUSPEND, CLEAR_SESSIONS),
      "READ_ONLY_ADMIN", Set.of(USERS_READ),
      "GROUP_MEMBERSHIP_ADMIN", Set.of(USERS_READ));

  private AdminRoles() {}

  /**
   * One role assignment of the app: a standard role ({@code type} such as {@code SUPER_ADMIN}) or a
   * custom one ({@code type} {@code CUSTOM}, with its {@code roleId} and the {@code resourceSetId} it
   * is bound to).
   */
  public record Assignment(String id, String type, String label, String status, String roleId,
      String resourceSetId) {

    public boolean custom() {
      return "CUSTOM".equals(type);
    }

    public boolean active() {
      return status == null || "ACTIVE".equals(status);
    }

    /** "Group Administrator (USER_ADMIN)" or "custom role 'Flare mitigation'". */
    public String describe() {
      if (custom()) {
        return "custom role '" + (label == null ? roleId : label) + "'";
      }
      return (label == null ? type : label + " (" + type + ")");
    }
  }

  /** One page of an IAM list ({@code permissions}, {@code resources}) and its {@code _links.next}, if any. */
  record Page(List<JsonObject> items, String next) {}

  static List<Assignment> assignments(JsonArray array) {
    List<Assignment> out = new ArrayList<>();
    for (Object item : array) {
      if (item instanceof JsonObject o) {
        out.add(new Assignment(o.getString("id"), o.getString("type", ""), o.getString("label"), o.getString("status"),
            o.getString("role"), o.getString("resource-set")));
      }
    }
    return out;
  }

  static Page page(JsonObject body, String key) {
    List<JsonObject> items = new ArrayList<>();
    if (body.getValue(key) instanceof JsonArray array) {
      for (Object item : array) {
        if (item instanceof JsonObject o) {
          items.add(o);
        }
      }
    }
    return new Page(items, href(body, "next"));
  }

  /** The {@code label}s of a custom role's permissions. */
  static List<String> permissionLabels(List<JsonObject> permissions) {
    return permissions.stream().map(p -> p.getString("label")).filter(l -> l != null && !l.isBlank()).toList();
  }

  /**
   * What a resource-set resource points at: its ORN when Okta sends one, else the REST URL of its
   * {@code self} link (or, as older answers put "all users and groups", of its {@code users} link).
   */
  static String resource(JsonObject resource) {
    String orn = resource.getString("orn");
    if (orn != null && !orn.isBlank()) {
      return orn;
    }
    String self = href(resource, "self");
    return self != null ? self : href(resource, "users");
  }

  private static String href(JsonObject o, String rel) {
    return Optional.ofNullable(o.getJsonObject("_links")).map(l -> l.getValue(rel))
        .filter(JsonObject.class::isInstance).map(JsonObject.class::cast).map(l -> l.getString("href")).orElse(null);
  }

  /** The user permissions a standard role gives, if Okta documents them (see {@link #STANDARD}); empty otherwise. */
  public static Optional<Set<String>> standardPermissions(String type) {
    return Optional.ofNullable(STANDARD.get(type));
  }

  /**
   * Whether {@code held} grants {@code needed}: {@code okta.users.manage} covers every user
   * permission, {@code okta.users.lifecycle.manage} every lifecycle one ("perform any user lifecycle
   * operations"), and a permission to manage users includes viewing them ("permissions to manage a
   * resource also grant the viewing privileges for the same resource").
   */
  public static boolean grants(Set<String> held, String needed) {
    if (held.contains(needed) || held.contains(USERS_MANAGE)) {
      return true;
    }
    if (needed.startsWith("okta.users.lifecycle.") && held.contains(LIFECYCLE_MANAGE)) {
      return true;
    }
    return USERS_READ.equals(needed) && held.stream().anyMatch(p -> p.startsWith("okta.users.")
        && (p.endsWith(".manage") || p.startsWith("okta.users.lifecycle.")));
  }

  /**
   * Which users a resource set's resources cover, for user permissions: ALL (all users of the org),
   * GROUPS (all users within some groups), or NONE (only groups, apps...: a user permission bound to
   * such a set gives no privilege). Resources are ORNs ({@code orn:okta:directory:{org}:users},
   * {@code ...:groups:{id}:contained_resources}) or REST URLs ({@code /api/v1/users},
   * {@code /api/v1/groups/{id}/users}).
   */
  public enum UserCoverage { ALL, GROUPS, NONE }

  public static UserCoverage userCoverage(List<String> resources) {
    UserCoverage coverage = UserCoverage.NONE;
    for (String r : resources) {
      if (r == null) {
        continue;
      }
      if (r.startsWith("orn:")) {
        String[] parts = r.split(":");
        if (parts.length == 5 && "directory".equals(parts[2]) && "users".equals(parts[4])) {
          return UserCoverage.ALL;
        }
        if (parts.length == 7 && "directory".equals(parts[2]) && "groups".equals(parts[4])
            && "contained_resources".equals(parts[6])) {
          coverage = UserCoverage.GROUPS;
        }
        continue;
      }
      String path = path(r);
      if ("/api/v1/users".equals(path)) {
        return UserCoverage.ALL;
      }
      if (path != null && path.matches("/api/v1/groups/[^/]+/users")) {
        coverage = UserCoverage.GROUPS;
      }
    }
    return coverage;
  }

  private static String path(String url) {
    try {
      String p = URI.create(url).getPath();
      return p != null && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
