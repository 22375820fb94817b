package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the service reads about an org's setup rather than its users: the org's metadata, the app's
 * admin roles, ThreatInsight and network zones, and the password policies' lockout settings
 * (TestIntegration reads them all; every sync reads the lockout threshold). A view of {@link
 * OktaOrg}'s connection, spending from the same {@link Usage}.
 */
public final class OrgSetup {

  /** Pages of an IAM list (a custom role's permissions, a resource set's resources) read at most. */
  private static final int MAX_IAM_PAGES = 20;

  private final OrgConnection connection;
  private final Usage usage;

  OrgSetup(OrgConnection connection, Usage usage) {
    this.connection = connection;
    this.usage = usage;
  }

  /**
   * {@code GET /.well-known/okta-organization} (public, no credentials): the org's id and whether it
   * runs Identity Engine or Classic Engine.
   */
  public Future<OrgMetadata> organization() {
    return connection.executeOk(OrgConnection.Call.get(connection.url("/.well-known/okta-organization"),
            Bucket.OTHER, null), usage)
        .map(r -> OrgMetadata.parse(r.json()));
  }

  /** Reads of who is privileged in the org (protected groups' members, admins), through the same view. */
  public OrgDirectory directory() {
    return new OrgDirectory(connection, usage);
  }

  // ---- admin roles --------------------------------------------------------------------------

  /** This app's admin role assignments: {@code GET /oauth2/v1/clients/{clientId}/roles} ({@code okta.roles.read}). */
  public Future<List<AdminRoles.Assignment>> roleAssignments() {
    URI url = connection.url("/oauth2/v1/clients/" + OrgConnection.encode(connection.clientId) + "/roles");
    return connection.executeOk(OrgConnection.Call.get(url, Bucket.OTHER, Set.of(OktaOrg.ROLES_READ)), usage)
        .map(r -> AdminRoles.assignments(r.jsonArray()));
  }

  /** The permissions of a custom role: {@code GET /api/v1/iam/roles/{roleId}/permissions}. */
  public Future<List<String>> customRolePermissions(String roleId) {
    return iamList("/api/v1/iam/roles/" + OrgConnection.encode(roleId) + "/permissions", "permissions")
        .map(AdminRoles::permissionLabels);
  }

  /** What a resource set holds (ORNs or REST URLs): {@code GET /api/v1/iam/resource-sets/{id}/resources}. */
  public Future<List<String>> resourceSetResources(String resourceSetId) {
    return iamList("/api/v1/iam/resource-sets/" + OrgConnection.encode(resourceSetId) + "/resources", "resources")
        .map(items -> items.stream().map(AdminRoles::resource).toList());
  }

  private Future<List<JsonObject>> iamList(String path, String key) {
    return iamPages(connection.url(path), key, new ArrayList<>(), 1);
  }

  private Future<List<JsonObject>> iamPages(URI url, String key, List<JsonObject> items, int page) {
    return connection.executeOk(OrgConnection.Call.get(url, Bucket.OTHER, Set.of(OktaOrg.ROLES_READ)), usage).compose(r -> {
      AdminRoles.Page read = AdminRoles.page(r.json(), key);
      items.addAll(read.items());
      if (read.next() == null || page >= MAX_IAM_PAGES) {
        return Future.succeededFuture(items);
      }
      return nextPage(url, read.next(), r).compose(next -> iamPages(next, key, items, page + 1));
    });
  }

  // ---- ThreatInsight --------------------------------------------------------------------------

  /** ThreatInsight's configuration; needs {@code okta.threatInsights.read}. */
  public Future<ThreatInsightConfig> threatInsight() {
    return connection.executeOk(OrgConnection.Call.get(connection.url("/api/v1/threats/configuration"),
            Bucket.OTHER, Set.of(OktaOrg.THREAT_INSIGHTS_READ)), usage)
        .map(r -> {
          JsonObject json = r.json();
          List<String> zones = new ArrayList<>();
          json.getJsonArray("excludeZones", new JsonArray()).forEach(z -> zones.add(String.valueOf(z)));
          return new ThreatInsightConfig(json.getString("action", "none"), List.copyOf(zones));
        });
  }

  /** One network zone by id; needs {@code okta.networkZones.read}. */
  public Future<NetworkZone> networkZone(String id) {
    return connection.executeOk(OrgConnection.Call.get(connection.url("/api/v1/zones/" + OrgConnection.encode(id)),
            Bucket.OTHER, Set.of(OktaOrg.NETWORK_ZONES_READ)), usage)
        .map(r -> {
          JsonObject json = r.json();
          List<String> gateways = new ArrayList<>();
          JsonArray listed = json.getValue("gateways") instanceof JsonArray a ? a : new JsonArray();
          for (Object g : listed) {
            if (g instanceof JsonObject address && address.getString("value") != null) {
              gateways.add(address.getString("value"));
            }
          }
          return new NetworkZone(json.getString("id", id), json.getString("name", ""), json.getString("type", ""),
              json.getString("status", ""), List.copyOf(gateways));
        });
  }

  // ---- policy -------------------------------------------------------------------------------

  /** Pages of password policies read at most: an org has a handful; a loop of links must end. */
  static final int MAX_POLICY_PAGES = 50;

  /**
   * The lockout settings of the active password policies, every page of them (the listing pages
   * with {@code limit} and {@code after} and {@code Link: rel="next"}, as Okta's other lists do);
   * needs {@code okta.policies.read}.
   */
  public Future<LockoutPolicy> lockoutPolicy() {
    return passwordPolicies(connection.url("/api/v1/policies?type=PASSWORD"), new JsonArray(), 1)
        .map(OrgSetup::lockout);
  }

  private Future<JsonArray> passwordPolicies(URI url, JsonArray read, int page) {
    return connection.executeOk(OrgConnection.Call.get(url, Bucket.OTHER, Set.of(OktaOrg.POLICIES_READ)), usage)
        .compose(r -> {
          read.addAll(r.jsonArray());
          String next = Links.find(r.headers().getAll("Link"), "next");
          if (next == null || page >= MAX_POLICY_PAGES) {
            return Future.succeededFuture(read);
          }
          return nextPage(url, next, r).compose(nextUri -> passwordPolicies(nextUri, read, page + 1));
        });
  }

  static LockoutPolicy lockout(JsonArray policies) {
    List<LockoutPolicy.Policy> active = new ArrayList<>();
    for (Object item : policies) {
      if (!(item instanceof JsonObject p) || !"ACTIVE".equals(p.getString("status", "ACTIVE"))) {
        continue;
      }
      JsonObject lockout = Optional.ofNullable(p.getJsonObject("settings"))
          .map(s -> s.getJsonObject("password"))
          .map(s -> s.getJsonObject("lockout"))
          .orElse(new JsonObject());
      active.add(new LockoutPolicy.Policy(p.getString("id"), p.getString("name"), p.getInteger("priority", 0),
          lockout.getInteger("maxAttempts", 0), lockout.getInteger("autoUnlockMinutes", 0),
          lockout.getBoolean("showLockoutFailures", false)));
    }
    active.sort(Comparator.comparingInt(LockoutPolicy.Policy::priority));
    Integer threshold = active.stream().map(LockoutPolicy.Policy::maxAttempts).filter(m -> m > 0)
        .min(Integer::compare).orElse(null);
    boolean show = active.stream().anyMatch(LockoutPolicy.Policy::showLockoutFailures);
    return new LockoutPolicy(threshold, show, List.copyOf(active));
  }


  /** The next page's URL, which must stay on the org's domain. */
  private Future<URI> nextPage(URI url, String link, OktaResponse r) {
    URI next = url.resolve(link);
    if (!connection.domain.owns(next)) {
      return Future.failedFuture(new OktaException(OktaException.Kind.DOMAIN_REFUSED, r.status(), null,
          "the next-page link leaves the integration's Okta domain", List.of(), r.requestId(), null));
    }
    return Future.succeededFuture(next);
  }
}
