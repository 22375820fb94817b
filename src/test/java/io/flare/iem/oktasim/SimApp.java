package io.flare.iem.oktasim;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A simulated Okta API Services app (client credentials, {@code private_key_jwt}): where its public
 * keys come from, the Okta API scopes granted to it, its admin role's permissions, an optional
 * resource set limiting which users it sees, whether it requires DPoP, and its share of each
 * rate-limit bucket. Every setter takes effect on the next request.
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

  /** Okta's standard admin roles, as the permissions they give. */
  public enum AdminRole {
    /** No role assigned: every management call is 403 E0000006. */
    NONE(Set.of()),
    /** Read-only Administrator: sees users and policies, changes nothing. */
    READ_ONLY_ADMIN(Set.of(USERS_READ, POLICIES_READ, APPS_READ)),
    /** Group Administrator: users plus suspend, unsuspend, clear sessions, unlock. */
    GROUP_ADMIN(Set.of(USERS_READ, SUSPEND, UNSUSPEND, CLEAR_SESSIONS, UNLOCK, EXPIRE_PASSWORD, DEACTIVATE)),
    /** Super Administrator: everything. */
    SUPER_ADMIN(Set.of(USERS_READ, SUSPEND, UNSUSPEND, CLEAR_SESSIONS, UNLOCK, DEACTIVATE, EXPIRE_PASSWORD,
        POLICIES_READ, APPS_READ));

    final Set<String> permissions;

    AdminRole(Set<String> permissions) {
      this.permissions = permissions;
    }
  }

  private final OktaSimulator sim;
  final String clientId;
  String jwksUrl;
  JWKSet savedKeys;
  final Set<String> scopes = new LinkedHashSet<>();
  final Set<String> permissions = new LinkedHashSet<>();
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
  public SimApp jwksUrl(String url) {
    synchronized (sim) {
      this.jwksUrl = url;
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

  /** Assigns one of Okta's standard admin roles (replacing the permissions). */
  public SimApp adminRole(AdminRole role) {
    synchronized (sim) {
      permissions.clear();
      permissions.addAll(role.permissions);
    }
    return this;
  }

  /** Assigns a custom role with exactly these permissions (see the constants). */
  public SimApp customRole(String... granted) {
    synchronized (sim) {
      permissions.clear();
      permissions.addAll(Set.of(granted));
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
