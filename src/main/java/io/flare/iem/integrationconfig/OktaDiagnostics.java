package io.flare.iem.integrationconfig;

import io.flare.iem.config.IpBlock;
import io.flare.iem.failure.Failure;
import io.flare.iem.okta.AccessToken;
import io.flare.iem.okta.LockoutPolicy;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUser;
import io.flare.iem.okta.Usage;
import io.flare.iem.okta.UserQuery;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * TestIntegration against a real (or simulated) Okta org, one result per check of the setup guide,
 * each failure with the remedy the customer applies: reachability, token, scopes, users visible, the
 * admin role's permissions ({@link AdminRoleDiagnosis}), Universal Logout, the lockout policy; whether
 * a rejected password can be confirmed in the System Log, and the org's pipeline, are {@link
 * AuthnSignalChecks}. Never fails for a misconfigured org: a broken setup is a FAIL result. Stores the
 * lockout threshold it reads on the integration.
 */
public final class OktaDiagnostics implements IntegrationDiagnostics {

  static final String DOMAIN = "okta_domain_reachable";
  static final String TOKEN = "token_obtained";
  static final String USERS_READ = "users_read_granted";
  static final String USERS_VISIBLE = "users_visible";
  static final String USERS_MANAGE = "users_manage_granted";
  static final String ADMIN_ROLE = AdminRoleDiagnosis.NAME;
  static final String UNIVERSAL_LOGOUT = "universal_logout_available";
  static final String LOCKOUT = "lockout_policy";
  private static final int SAMPLE = 3;

  private final OktaClient okta;
  private final Pool pool;
  private final IntegrationRepository integrations;
  private final IntegrationKeys keys;
  private final Clock clock;
  private final ThreatInsightChecks threats;

  /** @param egress the addresses our calls to Okta leave from ({@code IEM_EGRESS_ADDRESSES}; empty: unknown) */
  public OktaDiagnostics(OktaClient okta, Pool pool, IntegrationRepository integrations, IntegrationKeys keys,
      Clock clock, List<IpBlock> egress) {
    this.okta = okta;
    this.pool = pool;
    this.integrations = integrations;
    this.keys = keys;
    this.clock = clock;
    this.threats = new ThreatInsightChecks(egress);
  }

  @Override
  public Future<List<Result>> run(Integration integration, TenantSettings tenant) {
    List<Result> results = new ArrayList<>();
    OktaOrg org;
    try {
      // the connection sync and checks use, never reset: its tokens, nonce and rate limits stay theirs
      org = okta.org(integration.oktaApp(), Usage.named("test-integration"));
    } catch (Failure.InvalidArgument e) {
      results.add(fail(DOMAIN, "'" + integration.oktaDomain() + "' is not an Okta org URL: " + e.rule(),
          "Enter the URL you sign in to Okta with, for example https://acme.okta.com (not the -admin URL)."));
      skipRest(results, "the Okta domain is not usable");
      return Future.succeededFuture(results);
    }
    return org.discovery()
        .transform(ar -> {
          if (ar.failed()) {
            results.add(fail(DOMAIN, "could not reach " + org.domain() + ": " + ar.cause().getMessage(),
                "Check the Okta domain in the integration: it is the URL you sign in to Okta with, for example"
                    + " https://acme.okta.com (not the -admin URL), and it must be reachable from Flare."));
            skipRest(results, "the Okta domain is not reachable");
            return Future.succeededFuture(results);
          }
          results.add(pass(DOMAIN, org.domain() + " answers as an Okta org"));
          return tokenChecks(org, integration, results);
        });
  }

  /** Asks Okta, with a token request signed by each, which of the integration's keys it accepts. */
  private Future<List<Result>> tokenChecks(OktaOrg org, Integration integration, List<Result> results) {
    URI jwksUrl = keys.jwksUrl(integration.jwksId());
    return keys.signing(integration.tenantId())
        .compose(ignored -> keys.opened(integration.tenantId()))
        .compose(opened -> SigningKeyChecks.run(org, opened, jwksUrl, clock.instant()))
        .compose(asked -> tokenChecks(org, integration, results, asked.active(), asked.report()));
  }

  private Future<List<Result>> tokenChecks(OktaOrg org, Integration integration, List<Result> results,
      AsyncResult<AccessToken> ar, Result keysReport) {
    OktaException e = ar.failed() ? okta(ar.cause()) : null;
    if (ar.failed() && (e == null || e.kind() != OktaException.Kind.INVALID_SCOPE)) {
      results.add(fail(TOKEN, tokenDetail(e, ar.cause()), tokenRemedy(e, integration)));
      results.add(keysReport);
      skipRest(results, "no access token");
      return Future.succeededFuture(results);
    }
    boolean dpop = ar.succeeded() ? ar.result().dpop() : org.dpopRequired();
    results.add(pass(TOKEN, "client " + integration.clientId() + " authenticated with private_key_jwt"
        + (dpop ? "; the app requires DPoP and the DPoP handshake succeeded" : "")));
    results.add(keysReport);
    Future<Void> users;
    if (ar.succeeded()) {
      results.add(pass(USERS_READ, "okta.users.read is granted"));
      users = usersVisible(org, results);
    } else {
      results.add(fail(USERS_READ, "Okta refused the scope okta.users.read: " + e.errorSummary(),
          "In the Okta Admin Console open the service app, tab Okta API Scopes, and grant okta.users.read."));
      results.add(skipped(USERS_VISIBLE, "needs okta.users.read"));
      users = Future.succeededFuture();
    }
    return users.compose(v -> manage(org, integration, results))
        .compose(v -> roles(org, integration, results)).compose(v -> universalLogout(org, integration, results))
        .compose(v -> lockout(org, integration, results)).compose(v -> threatInsight(org, results))
        .compose(v -> AuthnSignalChecks.run(org, results))
        .compose(v -> ProtectionChecks.run(org, integration).map(results::add))
        .compose(v -> RiskSignalChecks.run(org, integration, keys.securityEventIssuer(integration.jwksId()),
            keys.jwksUrl(integration.jwksId()), results)).map(results);
  }

  private String tokenDetail(OktaException e, Throwable cause) {
    if (e == null) {
      return "the token request failed: " + cause.getMessage();
    }
    return "Okta refused the token request: " + (e.errorCode() == null ? "" : e.errorCode() + " ")
        + (e.errorSummary() == null ? e.getMessage() : e.errorSummary());
  }

  private String tokenRemedy(OktaException e, Integration integration) {
    if (e == null) {
      return "Retry later; if it persists, check that the Okta domain is right and reachable.";
    }
    String summary = e.errorSummary() == null ? "" : e.errorSummary();
    return switch (e.kind()) {
      case INVALID_CLIENT -> {
        if (summary.startsWith("Client authentication failed") || summary.contains("not a valid client_id")) {
          yield "Check the client id: copy it from the service app's General tab in Okta (it starts with 0oa);"
              + " the integration has " + integration.clientId() + ".";
        }
        if (summary.contains("private_key_jwt")) {
          yield "Set the app's client authentication to Public key / Private key and register this integration's"
              + " JWKS URL " + keys.jwksUrl(integration.jwksId()) + ".";
        }
        yield "Okta does not accept this integration's key: in the service app, Client Credentials, choose Public"
            + " key / Private key, 'Use a URL to fetch keys dynamically', and enter this integration's JWKS URL "
            + keys.jwksUrl(integration.jwksId()) + " (each integration has its own).";
      }
      case DPOP -> "The app requires DPoP ('Require Demonstrating Proof of Possession (DPoP) header in token"
          + " requests') and the DPoP handshake failed: make sure nothing between Flare and Okta strips the DPoP"
          + " header, or clear that checkbox in the app's General settings.";
      case RATE_LIMITED -> "Okta rate-limited the token request: run TestIntegration again in a minute.";
      case UNAVAILABLE -> "Okta did not answer: retry later.";
      default -> "Check the service app: API Services, Client Credentials, Public key / Private key with this"
          + " integration's JWKS URL " + keys.jwksUrl(integration.jwksId()) + ".";
    };
  }

  private Future<Void> usersVisible(OktaOrg org, List<Result> results) {
    return org.listUsers(UserQuery.all().withLimit(200)).next().transform(ar -> {
      if (ar.succeeded()) {
        List<OktaUser> users = ar.result().users();
        if (users.isEmpty()) {
          results.add(fail(USERS_VISIBLE, "the app sees no users",
              "If the app's admin role is bound to a resource set, that set contains no users: add users to it"
                  + " (choose Users as the resource type, not Groups), or use a role for the whole org."));
        } else {
          String count = ar.result().last() ? users.size() + " users" : "more than " + users.size() + " users";
          String sample = users.stream().limit(SAMPLE).map(OktaUser::login).collect(Collectors.joining(", "));
          results.add(pass(USERS_VISIBLE, count + " visible, for example " + sample));
        }
        return Future.succeededFuture();
      }
      OktaException e = okta(ar.cause());
      if (e != null && e.kind() == OktaException.Kind.FORBIDDEN) {
        results.add(fail(USERS_VISIBLE, "Okta refused to list users: " + e.errorCode() + " " + e.errorSummary(),
            "Assign the service app an admin role with the 'View users and their details' permission (for example"
                + " Read-only Administrator) on its Admin roles tab."));
      } else {
        results.add(fail(USERS_VISIBLE, "listing users failed: " + ar.cause().getMessage(),
            "Retry later; if it persists, check the app's admin role and resource set."));
      }
      return Future.succeededFuture();
    });
  }

  private Future<Void> manage(OktaOrg org, Integration integration, List<Result> results) {
    if (!integration.mitigates()) {
      results.add(skipped(USERS_MANAGE, "mitigation is off (" + integration.mitigationMode() + ")"));
      return Future.succeededFuture();
    }
    return org.token(Set.of(OktaOrg.USERS_MANAGE)).transform(ar -> {
      if (ar.succeeded()) {
        results.add(pass(USERS_MANAGE, "okta.users.manage is granted (whether the admin role allows suspending users"
            + " and clearing their sessions: " + ADMIN_ROLE + ")"));
      } else {
        OktaException e = okta(ar.cause());
        results.add(fail(USERS_MANAGE, "mitigation is " + integration.mitigationMode() + " but Okta refused"
                + " okta.users.manage" + (e != null && e.errorSummary() != null ? ": " + e.errorSummary() : ""),
            "Grant okta.users.manage on the app's Okta API Scopes tab and give its admin role the Suspend users and"
                + " Clear user sessions permissions, or set the mitigation mode to VALIDATE_ONLY."));
      }
      return Future.succeededFuture();
    });
  }

  private Future<Void> roles(OktaOrg org, Integration integration, List<Result> results) {
    return AdminRoleDiagnosis.run(org, integration).map(result -> {
      results.add(result);
      return null;
    });
  }

  /** Whether mitigations can also invoke Universal Logout: never a FAIL, mitigation works without it. */
  private Future<Void> universalLogout(OktaOrg org, Integration integration, List<Result> results) {
    if (!integration.mitigates()) {
      results.add(skipped(UNIVERSAL_LOGOUT, "mitigation is off (" + integration.mitigationMode() + ")"));
      return Future.succeededFuture();
    }
    return org.token(Set.of(OktaOrg.UNIVERSAL_LOGOUT)).transform(ar -> {
      OktaException e = ar.failed() ? okta(ar.cause()) : null;
      if (ar.succeeded()) {
        results.add(pass(UNIVERSAL_LOGOUT, OktaOrg.UNIVERSAL_LOGOUT + " is granted: each mitigation also invokes"
            + " Universal Logout (global token revocation), so apps that support it sign the user out too"));
      } else if (e != null && e.kind() == OktaException.Kind.INVALID_SCOPE) {
        results.add(warn(UNIVERSAL_LOGOUT, OktaOrg.UNIVERSAL_LOGOUT + " is not granted: mitigations clear the user's"
                + " Okta sessions and OAuth tokens, but apps that keep sessions of their own are not signed out",
            "If your org has Okta Identity Threat Protection, grant " + OktaOrg.UNIVERSAL_LOGOUT + " on the app's Okta"
                + " API Scopes tab so that mitigations also trigger Universal Logout; nothing else is needed."));
      } else {
        results.add(warn(UNIVERSAL_LOGOUT, "could not check " + OktaOrg.UNIVERSAL_LOGOUT + ": "
            + ar.cause().getMessage(), "Run TestIntegration again later."));
      }
      return Future.succeededFuture();
    });
  }

  private Future<Void> lockout(OktaOrg org, Integration integration, List<Result> results) {
    return org.setup().lockoutPolicy().transform(ar -> {
      if (ar.failed()) {
        results.add(warn(LOCKOUT, "the password policy is not readable: " + ar.cause().getMessage(),
            "Grant okta.policies.read on the app's Okta API Scopes tab so Flare can keep its daily attempts under"
                + " half your lockout threshold; until then keep max_daily_password_attempts low (default 2)."));
        return integrations.setLockoutThreshold(pool, integration, null);
      }
      LockoutPolicy policy = ar.result();
      Integer threshold = policy.threshold();
      int cap = integration.maxDailyPasswordAttempts();
      if (threshold == null) {
        results.add(pass(LOCKOUT, "no active password policy locks accounts; daily cap " + cap));
      } else if (cap * 2 > threshold) {
        results.add(warn(LOCKOUT, "lockout after " + threshold + " failed attempts, but the daily cap is " + cap
                + " (more than half of it)",
            "Set max_daily_password_attempts to at most " + Math.max(1, threshold / 2) + " (half of the Okta lockout"
                + " threshold " + threshold + ")."));
      } else {
        results.add(pass(LOCKOUT, "lockout after " + threshold + " failed attempts; daily cap " + cap
            + " is at most half of it"));
      }
      return integrations.setLockoutThreshold(pool, integration, threshold);
    });
  }

  /** Whether Okta refuses our authn calls now, and whether ThreatInsight could. */
  private Future<Void> threatInsight(OktaOrg org, List<Result> results) {
    results.add(threats.authnNotBlocked(org));
    return threats.egressExcluded(org).map(result -> {
      results.add(result);
      return null;
    });
  }

  private static void skipRest(List<Result> results, String why) {
    Set<String> done = results.stream().map(Result::name).collect(Collectors.toSet());
    for (String name : List.of(DOMAIN, TOKEN, SigningKeyChecks.NAME, USERS_READ, USERS_VISIBLE, USERS_MANAGE, ADMIN_ROLE, UNIVERSAL_LOGOUT,
        LOCKOUT, ThreatInsightChecks.AUTHN_NOT_BLOCKED, ThreatInsightChecks.EGRESS_EXCLUDED,
        AuthnSignalChecks.LOGS_READ, AuthnSignalChecks.PIPELINE, ProtectionChecks.NAME, RiskSignalChecks.NAME)) {
      if (!done.contains(name)) {
        results.add(skipped(name, "not run: " + why));
      }
    }
  }

  private static OktaException okta(Throwable t) {
    return t instanceof OktaException e ? e : null;
  }

  static Result pass(String name, String detail) {
    return new Result(name, Outcome.PASS, detail, "");
  }

  static Result warn(String name, String detail, String remedy) {
    return new Result(name, Outcome.WARN, detail, remedy);
  }

  static Result fail(String name, String detail, String remedy) {
    return new Result(name, Outcome.FAIL, detail, remedy);
  }

  static Result skipped(String name, String detail) {
    return new Result(name, Outcome.SKIPPED, detail, "");
  }
}
