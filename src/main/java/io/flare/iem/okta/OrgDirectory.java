package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who is privileged in an org: the members of a group and the users holding an admin role. What
 * Okta documents and this relies on (Okta Management API reference):
 * <ul>
 *   <li>Groups, "List all member users": {@code GET /api/v1/groups/{groupId}/users}, scope
 *       {@code okta.groups.read}, an array of users paged with {@code after} and {@code limit}
 *       (up to 1000) and a {@code Link: <...>; rel="next"} header as the users list has; 404
 *       {@code E0000007} for an unknown group.
 *   <li>Role assignments, "List all users with role assignments":
 *       {@code GET /api/v1/iam/assignees/users}, scope {@code okta.roles.read}, an object
 *       {@code {"value":[{"id","orn","_links"}],"_links":{"next":{"href"}}}} paged with {@code after}
 *       and {@code limit} (default 100), the next page in the body's {@code _links.next}.
 * </ul>
 * A view of {@link OktaOrg}'s connection, spending from the same {@link Usage}, in the
 * {@link Bucket#OTHER} bucket.
 */
public final class OrgDirectory {

  /** Pages read at most for one group (1,000 users a page) or the admins (100 a page). */
  static final int MAX_PAGES = 200;
  private static final int GROUP_PAGE = 1000;
  private static final int ADMIN_PAGE = 100;

  private final OrgConnection connection;
  private final Usage usage;

  OrgDirectory(OrgConnection connection, Usage usage) {
    this.connection = connection;
    this.usage = usage;
  }

  /** The ids of a group's members; fails with {@link OktaException.Kind#NOT_FOUND} for an unknown group. */
  public Future<List<String>> groupMembers(String groupId) {
    URI first = connection.url("/api/v1/groups/" + OrgConnection.encode(groupId) + "/users?limit=" + GROUP_PAGE);
    return memberPages(first, new ArrayList<>(), 1);
  }

  /** Whether the group exists (and the app may read it): one member at most is read. */
  public Future<Void> groupReadable(String groupId) {
    URI first = connection.url("/api/v1/groups/" + OrgConnection.encode(groupId) + "/users?limit=1");
    return connection.executeOk(OrgConnection.Call.get(first, Bucket.OTHER, Set.of(OktaOrg.GROUPS_READ)), usage)
        .mapEmpty();
  }

  private Future<List<String>> memberPages(URI url, List<String> ids, int page) {
    return connection.executeOk(OrgConnection.Call.get(url, Bucket.OTHER, Set.of(OktaOrg.GROUPS_READ)), usage)
        .compose(r -> {
          for (Object item : r.jsonArray()) {
            if (item instanceof JsonObject user && user.getString("id") != null) {
              ids.add(user.getString("id"));
            }
          }
          String next = Links.find(r.headers().getAll("Link"), "next");
          String self = Links.find(r.headers().getAll("Link"), "self");
          if (next == null || page >= MAX_PAGES || (self != null && url.resolve(self).equals(url.resolve(next)))) {
            return Future.succeededFuture(ids);
          }
          return onDomain(url, next, r).compose(nextUrl -> memberPages(nextUrl, ids, page + 1));
        });
  }

  /** The ids of every user holding an admin role (directly or through a group). */
  public Future<List<String>> adminUsers() {
    return adminPages(connection.url("/api/v1/iam/assignees/users?limit=" + ADMIN_PAGE), new ArrayList<>(), 1);
  }

  private Future<List<String>> adminPages(URI url, List<String> ids, int page) {
    return connection.executeOk(OrgConnection.Call.get(url, Bucket.OTHER, Set.of(OktaOrg.ROLES_READ)), usage)
        .compose(r -> {
          AdminRoles.Page read = AdminRoles.page(r.json(), "value");
          read.items().stream().map(o -> o.getString("id")).filter(id -> id != null).forEach(ids::add);
          if (read.next() == null || page >= MAX_PAGES) {
            return Future.succeededFuture(ids);
          }
          return onDomain(url, read.next(), r).compose(nextUrl -> adminPages(nextUrl, ids, page + 1));
        });
  }

  private Future<URI> onDomain(URI url, String link, OktaResponse r) {
    URI next = url.resolve(link);
    if (!connection.domain.owns(next)) {
      return Future.failedFuture(new OktaException(OktaException.Kind.DOMAIN_REFUSED, r.status(), null,
          "the next-page link leaves the integration's Okta domain", List.of(), r.requestId(), null));
    }
    return Future.succeededFuture(next);
  }

  /** Whether {@code error} says the app may not read this (scope not granted, or no admin permission). */
  public static boolean notGranted(Throwable error) {
    return error instanceof OktaException e && (e.kind() == OktaException.Kind.FORBIDDEN
        || e.kind() == OktaException.Kind.INVALID_SCOPE);
  }

  /** Whether {@code error} is Okta's 404 for a group that does not exist. */
  public static boolean unknownGroup(Throwable error) {
    return Optional.ofNullable(error).filter(OktaException.class::isInstance).map(OktaException.class::cast)
        .map(e -> e.kind() == OktaException.Kind.NOT_FOUND).orElse(false);
  }
}
