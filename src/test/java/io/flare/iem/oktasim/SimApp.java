package io.flare.iem.oktasim;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A simulated Okta API Services app (client credentials, {@code private_key_jwt}): where its public
 * keys come from, the Okta API scopes granted to it, its admin role assignments (standard roles, or a
 * custom role bound to a resource set) and the permissions they give, an optional resource set
 * limiting which users it sees, whether it requires DPoP, and its share of each rate-limit bucket.
 * Every setter takes effect on the next request.
 */
public final class SimApp {

  /** Admin-role permissions, by Okta's names. */
  public static final String USERS_READ = "okta.users.read";
  public static final String SUSPEND = "okta.users.lifecycle.suspend";
  public static final String UNSUSPEND = "okta.users.lifecycle.unsuspend";
  public static final String CLEAR_SESSIONS = "okta.users.lifecycle.clearSessions";
  public static final String UNLOCK = "okta.users.lifecycle.unlock";
  public static final String DEACTIVATE = "okta.users.lifecycle.deactivate";
  public static final String EXPIRE_PASSWORD = "okta.users.credentials.expirePassword";
  public static final String POLICIES_READ = "okta.policies.read";
  public static final String APPS_READ = "okta.apps.read";
  /** "Allows the admin to view roles, resources, and admin assignments" (Okta, Role assignment: permission types). */
  public static final String IAM_READ = "okta.iam.read";
  /** View groups and their members (the standard roles that view users view groups too). */
  public static final String GROUPS_READ = "okta.groups.read";

  /**
   * Okta's standard admin roles, as the permissions they give, with the {@code type} and
   * {@code label} the role assignment APIs show. Viewing admins is a Super administrator's alone
   * (help.okta.com, Standard administrator roles and permissions: "Add, remove, and view admins"),
   * so only SUPER_ADMIN holds {@link #IAM_READ} here.
   */
  public enum AdminRole {
    /** No role assigned: every management call is 403 E0000006. */
    NONE(null, null, Set.of()),
    /** Read-only Administrator: sees users and policies, changes nothing. */
    READ_ONLY_ADMIN("READ_ONLY_ADMIN", "Read-Only Administrator", Set.of(USERS_READ, POLICIES_READ, APPS_READ,
        GROUPS_READ)),
    /** Help Desk Administrator: sees users, unlocks them (a partial model: resetting passwords and factors is not simulated). */
    HELP_DESK_ADMIN("HELP_DESK_ADMIN", "Help Desk Administrator", Set.of(USERS_READ, UNLOCK)),
    /** Group Administrator (type USER_ADMIN; labelled "User Administrator" in a recorded 2020 answer): users plus suspend, unsuspend, clear sessions, unlock. */
    GROUP_ADMIN("USER_ADMIN", "User Administrator", Set.of(USERS_READ, SUSPEND, UNSUSPEND, CLEAR_SESSIONS, UNLOCK,
        EXPIRE_PASSWORD, DEACTIVATE, GROUPS_READ)),
    /** Organization Administrator: the Group Administrator's user permissions, org-wide, plus policies and apps. */
    ORG_ADMIN("ORG_ADMIN", "Organization Administrator", Set.of(USERS_READ, SUSPEND, UNSUSPEND, CLEAR_SESSIONS, UNLOCK,
        EXPIRE_PASSWORD, DEACTIVATE, POLICIES_READ, APPS_READ, GROUPS_READ)),
    /** Super Administrator: everything. */
    SUPER_ADMIN("SUPER_ADMIN", "Super Organization Administrator", Set.of(USERS_READ, SUSPEND, UNSUSPEND,
        CLEAR_SESSIONS, UNLOCK, DEACTIVATE, EXPIRE_PASSWORD, POLICIES_READ, APPS_READ, IAM_READ, GROUPS_READ));

    final String type;
    final String label;
    final Set<String> permissions;

    AdminRole(String type, String label, Set<String> permissions) {
      this.type = type;
      this.label = label;
      this.permissions = permissions;
    }
  }

  /** A custom admin role: its label and the Okta permissions it holds. */
  public record CustomRole(String id, String label, Set<String> permissions) {

    public static CustomRole of(String label, String... permissions) {
      return new CustomRole("cr0" + String.format("%017d", IDS.incrementAndGet()), label, Set.of(permissions));
    }
  }

  /**
   * A resource set, its resources as the REST paths Okta documents for them (Okta developer docs,
   * Role assignment, "Supported resources"): {@code /api/v1/users} (all users),
   * {@code /api/v1/groups/{groupId}/users} (all users within a group), {@code /api/v1/groups/{groupId}}
   * (the group itself: "a permission that doesn't apply to the resources in the resource set gives
   * the admin no privileges", so user permissions bound to it give nothing).
   */
  public record ResourceSet(String id, String label, List<String> resources) {

    public static ResourceSet allUsers(String label) {
      return of(label, "/api/v1/users");
    }

    public static ResourceSet usersOfGroup(String label, String groupId) {
      return of(label, "/api/v1/groups/" + groupId + "/users");
    }

    /** The setup guide's pitfall: a group chosen as a Groups resource, not its users. */
    public static ResourceSet groupItself(String label, String groupId) {
      return of(label, "/api/v1/groups/" + groupId);
    }

    private static ResourceSet of(String label, String... resources) {
      return new ResourceSet("iam" + String.format("%017d", IDS.incrementAndGet()), label, List.of(resources));
    }

    boolean holdsUsers() {
      return resources.stream().anyMatch(r -> r.equals("/api/v1/users") || r.matches("/api/v1/groups/[^/]+/users"));
    }
  }

  /** One role assignment: a standard role, or a custom role bound to a resource set. */
  record Assignment(String id, AdminRole standard, CustomRole custom, ResourceSet resourceSet) {}

  private static final AtomicInteger IDS = new AtomicInteger();

  private final OktaSimulator sim;
  final String clientId;
  String jwksUrl;
  java.util.function.Supplier<io.vertx.core.Future<String>> jwksLookup;
  JWKSet savedKeys;
  final Set<String> scopes = new LinkedHashSet<>();
  final Set<String> permissions = new LinkedHashSet<>();
  final List<Assignment> roles = new ArrayList<>();
  TreeSet<Integer> resourceSet;
  boolean dpopRequired;
  boolean rejectNonces;
  boolean resourceNonce;
  int sharePercent = 50;

  SimApp(OktaSimulator sim, String clientId, String jwksUrl) {
    this.sim = sim;
    this.clientId = clientId;
    this.jwksUrl = jwksUrl;
  }

  public String clientId() {
    return clientId;
  }

  /** Keys are fetched from this URL ("Use a URL to fetch keys dynamically"). */
  /**
   * Dev mode's demo app: trusts the JWKS URL {@code lookup} names when a token is requested (that
   * of the integration using this app), as its admin registers it once the integration exists.
   */
  public SimApp jwksUrlFrom(java.util.function.Supplier<io.vertx.core.Future<String>> lookup) {
    synchronized (sim) {
      this.jwksLookup = lookup;
      this.savedKeys = null;
      sim.forgetJwks();
    }
    return this;
  }

  public SimApp jwksUrl(String url) {
    synchronized (sim) {
      this.jwksUrl = url;
      this.jwksLookup = null;
      this.savedKeys = null;
      sim.forgetJwks();
    }
    return this;
  }

  /** Keys are saved in Okta instead of fetched (public halves only are used). */
  public SimApp savedKeys(JWKSet keys) {
    synchronized (sim) {
      this.savedKeys = keys.toPublicJWKSet();
    }
    return this;
  }

  /** Grants Okta API scopes (Okta API Scopes tab). */
  public SimApp grantScopes(String... granted) {
    synchronized (sim) {
      scopes.addAll(Set.of(granted));
    }
    return this;
  }

  public SimApp revokeScopes(String... revoked) {
    synchronized (sim) {
      Set.of(revoked).forEach(scopes::remove);
    }
    return this;
  }

  public Set<String> scopes() {
    synchronized (sim) {
      return Set.copyOf(scopes);
    }
  }

  /** Assigns one of Okta's standard admin roles (replacing the role assignments and permissions). */
  public SimApp adminRole(AdminRole role) {
    synchronized (sim) {
      roles.clear();
      permissions.clear();
      if (role != AdminRole.NONE) {
        roles.add(new Assignment("ra1" + String.format("%017d", IDS.incrementAndGet()), role, null, null));
        permissions.addAll(role.permissions);
      }
    }
    return this;
  }

  /** Adds a standard role to the app's role assignments; the app's permissions are their union. */
  public SimApp addAdminRole(AdminRole role) {
    synchronized (sim) {
      roles.add(new Assignment("ra1" + String.format("%017d", IDS.incrementAndGet()), role, null, null));
      permissions.addAll(role.permissions);
    }
    return this;
  }

  /** Assigns a custom role with exactly these permissions (see the constants), bound to all users. */
  public SimApp customRole(String... granted) {
    return customRole(CustomRole.of("Flare IEM", granted), ResourceSet.allUsers("All users"));
  }

  /**
   * Assigns a custom role bound to a resource set (replacing the role assignments). Its user
   * permissions apply only if the resource set holds users; every other permission applies as is.
   */
  public SimApp customRole(CustomRole role, ResourceSet resourceSet) {
    synchronized (sim) {
      roles.clear();
      roles.add(new Assignment("irb" + String.format("%017d", IDS.incrementAndGet()), null, role, resourceSet));
      permissions.clear();
      role.permissions().stream().filter(p -> resourceSet.holdsUsers() || !p.startsWith("okta.users."))
          .forEach(permissions::add);
    }
    return this;
  }

  /** Binds the role to a resource set: only these users (ids) are visible to the app. */
  public SimApp resourceSet(Collection<String> userIds) {
    synchronized (sim) {
      TreeSet<Integer> indexes = new TreeSet<>();
      for (String id : userIds) {
        int index = sim.users.indexOf(id);
        if (index < 0) {
          throw new IllegalArgumentException("not a user of this org: " + id);
        }
        indexes.add(index);
      }
      resourceSet = indexes;
    }
    return this;
  }

  /** The role applies to the whole org again. */
  public SimApp noResourceSet() {
    synchronized (sim) {
      resourceSet = null;
    }
    return this;
  }

  /** "Require Demonstrating Proof of Possession (DPoP) header in token requests". */
  public SimApp requireDpop(boolean required) {
    synchronized (sim) {
      dpopRequired = required;
    }
    return this;
  }

  /** Fault: the token endpoint keeps answering {@code use_dpop_nonce}, whatever nonce is sent. */
  public SimApp rejectDpopNonces(boolean reject) {
    synchronized (sim) {
      rejectNonces = reject;
    }
    return this;
  }

  /**
   * API calls with this app's DPoP-bound tokens must carry the server's current nonce in their proof.
   * Okta's recordings show none demanded on resource calls (okta-api.md §0.4); RFC 9449 §9, which
   * Okta's DPoP follows ("based on the current RFC", developer.okta.com/docs/guides/dpop), lets a
   * resource server demand one with 401, {@code WWW-Authenticate: DPoP error="use_dpop_nonce"} and a
   * {@code DPoP-Nonce} header; a client must then retry once with that nonce.
   */
  public SimApp requireResourceNonce(boolean required) {
    synchronized (sim) {
      resourceNonce = required;
    }
    return this;
  }

  /** The app's share of each bucket ("Application rate limits" tab), 50 % by default. */
  public SimApp sharePercent(int percent) {
    synchronized (sim) {
      sharePercent = Math.max(1, Math.min(100, percent));
    }
    return this;
  }

  boolean sees(int userIndex) {
    return resourceSet == null || resourceSet.contains(userIndex);
  }
}
