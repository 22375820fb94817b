package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One caller's view of one Okta org: every operation the service needs, spending from this view's
 * {@link Usage}. Tokens, DPoP state and rate limits are shared with every other view of the same
 * org and client id. Each operation asks for the narrowest scope it needs: reads
 * {@code okta.users.read}, lifecycle calls {@code okta.users.manage}, the lockout policy
 * {@code okta.policies.read}, Universal Logout {@code okta.universalLogout.manage}, the app's admin
 * roles {@code okta.roles.read}, the System Log {@code okta.logs.read}. Failures are {@link
 * OktaException}s, except {@link #authn}, whose outcome is always a value.
 */
public final class OktaOrg {

  public static final String USERS_READ = "okta.users.read";
  public static final String USERS_MANAGE = "okta.users.manage";
  public static final String POLICIES_READ = "okta.policies.read";
  /** Reads the app's own admin role assignments, custom roles and resource sets. */
  public static final String ROLES_READ = "okta.roles.read";
  /** Global token revocation (Universal Logout), an Identity Threat Protection feature. */
  public static final String UNIVERSAL_LOGOUT = "okta.universalLogout.manage";
  /** The System Log: confirms what a rejected authn meant. */
  public static final String LOGS_READ = "okta.logs.read";
  public static final String THREAT_INSIGHTS_READ = "okta.threatInsights.read";
  public static final String NETWORK_ZONES_READ = "okta.networkZones.read";


  private static final Set<String> VALID_STATES = Set.of("SUCCESS", "MFA_REQUIRED", "MFA_ENROLL", "MFA_CHALLENGE",
      "MFA_ENROLL_ACTIVATE", "PASSWORD_EXPIRED", "PASSWORD_WARN");

  private final OrgConnection connection;
  private final Usage usage;

  OktaOrg(OrgConnection connection, Usage usage) {
    this.connection = connection;
    this.usage = usage;
  }

  /** What this view spent so far. */
  public Usage usage() {
    return usage;
  }

  /**
   * Whether a request in {@code bucket} would go now, within this view's share, rather than wait
   * for a rate-limit window: lets a caller that must answer quickly queue the work instead.
   */
  public boolean hasRoom(Bucket bucket) {
    return connection.limiter.wouldGrant(bucket, usage.share(bucket));
  }

  /** The org's base URL, as validated. */
  public String domain() {
    return connection.domain.value();
  }

  /** The tenant whose app this is: its connection, tokens and key are its own. */
  public String tenantId() {
    return connection.tenantId;
  }

  public String clientId() {
    return connection.clientId;
  }

  /** True once the org answered that the app requires DPoP (tokens are then DPoP-bound). */
  public boolean dpopRequired() {
    return connection.dpopRequired();
  }

  /** The org's public OpenID metadata: proves the domain is an Okta org we can reach (no credentials sent). */
  public Future<JsonObject> discovery() {
    return connection.executeOk(OrgConnection.Call.get(connection.url("/.well-known/openid-configuration"),
            Bucket.OTHER, null), usage)
        .map(OktaResponse::json);
  }

  /** Reads of the org's setup (metadata, admin roles, ThreatInsight, password policies), through this view. */
  public OrgSetup setup() {
    return new OrgSetup(connection, usage);
  }

  /**
   * Asks Okta for a token with an assertion signed by {@code key}, one of the tenant's published
   * keys, without caching it or touching the tokens the service uses: whether Okta accepts that key.
   */
  public Future<AccessToken> probeToken(ClientAssertion key, Set<String> scopes) {
    return connection.probeToken(key, scopes, usage);
  }

  /** An access token for {@code scopes} (cached; see {@link AccessToken}). */
  public Future<AccessToken> token(Set<String> scopes) {
    return connection.tokens.token(scopes, usage);
  }

  // ---- users --------------------------------------------------------------------------------

  /** Pages of users matching {@code query}, fetched as the caller pulls them. */
  public UserPages listUsers(UserQuery query) {
    return new UserPages(this, connection.url("/api/v1/users?" + query.queryString()).toString());
  }

  /**
   * Continues a listing from a persisted {@link UserPages#cursor()}. The cursor must be a
   * {@code /api/v1/users} URL of this org; anything else fails with {@code DOMAIN_REFUSED}.
   */
  public UserPages resumeUsers(String cursor) {
    URI uri = URI.create(cursor);
    if (!connection.domain.owns(uri) || !"/api/v1/users".equals(uri.getRawPath())) {
      throw OktaException.of(OktaException.Kind.DOMAIN_REFUSED, "the cursor is not a users page of "
          + connection.domain.value());
    }
    return new UserPages(this, cursor);
  }

  Future<UserPage> fetchPage(URI url) {
    return connection.executeOk(OrgConnection.Call.get(url, Bucket.USERS_LIST, Set.of(USERS_READ)), usage)
        .map(r -> page(url, r));
  }

  private UserPage page(URI url, OktaResponse r) {
    List<String> links = r.headers().getAll("Link");
    String next = Links.find(links, "next");
    String self = Links.find(links, "self");
    if (next != null) {
      URI nextUri = url.resolve(next);
      if (!connection.domain.owns(nextUri)) {
        throw new OktaException(OktaException.Kind.DOMAIN_REFUSED, r.status(), null,
            "the next-page link leaves the integration's Okta domain", List.of(), r.requestId(), null);
      }
      next = nextUri.toString();
      if (self != null && url.resolve(self).toString().equals(next)) {
        next = null;
      }
    }
    return new UserPage(UserParser.page(r.body()), next, r.requestId(), r.date());
  }

  /** One user by id or login; empty when Okta answers 404. */
  public Future<Optional<OktaUser>> getUser(String idOrLogin) {
    URI url = connection.url("/api/v1/users/" + OrgConnection.encode(idOrLogin));
    return connection.execute(OrgConnection.Call.get(url, Bucket.USER_READ, Set.of(USERS_READ)), usage)
        .compose(r -> {
          if (r.status() == 200) {
            return Future.succeededFuture(Optional.of(UserParser.one(r.body())));
          }
          if (r.status() == 404) {
            return Future.succeededFuture(Optional.empty());
          }
          return Future.failedFuture(r.failure());
        });
  }

  /**
   * {@code GET /api/v1/users/{id}/blocks} (Identity Engine; {@code okta.users.read}): how Okta blocks
   * the user from signing in, empty when it does not (or no longer knows the user).
   */
  public Future<List<UserBlock>> userBlocks(String userId) {
    URI url = connection.url("/api/v1/users/" + OrgConnection.encode(userId) + "/blocks");
    return connection.execute(OrgConnection.Call.get(url, Bucket.OTHER, Set.of(USERS_READ)), usage)
        .compose(r -> {
          if (r.status() == 404) {
            return Future.succeededFuture(List.<UserBlock>of());
          }
          if (r.status() != 200) {
            return Future.failedFuture(r.failure());
          }
          List<UserBlock> blocks = new ArrayList<>();
          for (Object item : r.jsonArray()) {
            if (item instanceof JsonObject b) {
              blocks.add(new UserBlock(b.getString("type"), b.getString("appliesTo")));
            }
          }
          return Future.succeededFuture(List.copyOf(blocks));
        });
  }

  // ---- password check -----------------------------------------------------------------------

  /**
   * Tries {@code password} for {@code username} once with {@code POST /api/v1/authn}; never
   * retried. A state token in the answer (MFA, expired password) is cancelled before returning.
   */
  public Future<AuthnOutcome> authn(String username, String password) {
    return authn(username, password, null);
  }

  /**
   * As {@link #authn(String, String)}, but given up once {@code abandon} has completed, if the call
   * is still waiting for its turn in the org's authn rate limit (or has not started): the outcome
   * is then {@link AuthnOutcome.NotSent}, and Okta saw nothing. A call already sent is never given up.
   * Nor is a call sent while Okta's per-username throttle holds the username back, or while the
   * org's authn calls are paused because Okta refuses our address (one call then goes as the probe,
   * and those arriving while it is out wait for its answer).
   */
  public Future<AuthnOutcome> authn(String username, String password, Future<?> abandon) {
    Optional<AuthnOutcome.NotSent> held = authnHeld(username);
    if (held.isPresent()) {
      return Future.succeededFuture(held.get());
    }
    AuthnPause.Turn turn = connection.pause.turn();
    if (turn instanceof AuthnPause.Wait wait) {
      return Future.succeededFuture(new AuthnOutcome.NotSent(AuthnOutcome.NotSent.Why.ORG_BLOCKED, wait.retryIn()));
    }
    if (turn instanceof AuthnPause.AwaitProbe probe) {
      return probe.answered().compose(v -> authn(username, password, abandon));
    }
    boolean probing = turn instanceof AuthnPause.Probe;
    Buffer body = new JsonObject()
        .put("username", username)
        .put("password", password)
        .put("options", new JsonObject().put("multiOptionalFactorEnroll", false).put("warnBeforePasswordExpired", false))
        .toBuffer();
    OrgConnection.Call call = OrgConnection.Call.once(connection.url("/api/v1/authn"), Bucket.AUTHN, body)
        .abandonedWhen(abandon);
    return connection.execute(call, usage).transform(ar -> {
      if (ar.failed()) {
        Throwable e = ar.cause();
        if (e instanceof OktaException o && o.kind() == OktaException.Kind.NOT_SENT) {
          return Future.succeededFuture(new AuthnOutcome.NotSent());
        }
        String id = e instanceof OktaException o ? o.requestId() : null;
        return Future.succeededFuture(new AuthnOutcome.Unknown(e.getMessage(), id));
      }
      return interpret(username, ar.result());
    }).transform(ar -> Future.succeededFuture(paced(ar.succeeded() ? ar.result()
        : new AuthnOutcome.Unknown(String.valueOf(ar.cause().getMessage()), null), probing)));
  }

  /**
   * The answer authn would give now without sending anything, if any: Okta's per-username
   * throttle still holds {@code username} back, or the org's authn calls are paused and no probe is
   * due. Lets a caller wait without first reserving an attempt.
   */
  public Optional<AuthnOutcome.NotSent> authnHeld(String username) {
    long held = connection.holds.heldFor(username);
    if (held > 0) {
      return Optional.of(new AuthnOutcome.NotSent(AuthnOutcome.NotSent.Why.USERNAME_THROTTLED,
          Duration.ofMillis(held)));
    }
    return connection.pause.waiting().map(wait -> new AuthnOutcome.NotSent(AuthnOutcome.NotSent.Why.ORG_BLOCKED,
        wait));
  }

  /** Whether Okta refuses this org's authn calls from our address now, since when and until which probe. */
  public Optional<AuthnBlock> authnBlock() {
    return connection.pause.state();
  }

  /** Tells the org's authn pause what a call came back with; a 403 gets its wait until the next probe. */
  private AuthnOutcome paced(AuthnOutcome outcome, boolean probing) {
    boolean refused = outcome instanceof AuthnOutcome.Blocked;
    if (probing) {
      AuthnOutcome.Kind kind = outcome.kind();
      boolean evaluated = kind == AuthnOutcome.Kind.VALID || kind == AuthnOutcome.Kind.INVALID
          || kind == AuthnOutcome.Kind.LOCKED_OUT;
      Duration wait = connection.pause.probed(outcome.requestId(), evaluated, refused);
      return refused ? new AuthnOutcome.Blocked(wait, outcome.requestId()) : outcome;
    }
    return refused ? new AuthnOutcome.Blocked(connection.pause.refused(outcome.requestId()), outcome.requestId())
        : outcome;
  }

  private Future<AuthnOutcome> interpret(String username, OktaResponse r) {
    String id = r.requestId();
    if (r.status() == 200) {
      JsonObject json = r.json();
      String state = json.getString("status", "");
      AuthnOutcome outcome = VALID_STATES.contains(state) ? new AuthnOutcome.Valid(state, id)
          : "LOCKED_OUT".equals(state) ? new AuthnOutcome.LockedOut(id)
          : new AuthnOutcome.Unknown("unexpected authn state " + state, id);
      String stateToken = json.getString("stateToken");
      if (stateToken == null) {
        return Future.succeededFuture(outcome);
      }
      return cancel(stateToken).transform(ignored -> Future.succeededFuture(outcome));
    }
    if (r.status() == 429) {
      long resetAt = connection.limiter.resetAtLocal(r.headers());
      boolean perUsername = RateLimiter.perUsername(Bucket.AUTHN, r.headers());
      if (perUsername) {
        connection.holds.hold(username, resetAt > 0 ? resetAt : System.currentTimeMillis() + 1_000);
      }
      return Future.succeededFuture(new AuthnOutcome.RateLimited(
          resetAt > 0 ? Instant.ofEpochMilli(resetAt) : Instant.now().plusSeconds(60), id, perUsername));
    }
    if (r.status() == 403) {
      // primary authn needs no token nor permission: a 403 is Okta refusing our address (ThreatInsight,
      // a block-list zone) before it reads the credentials
      return Future.succeededFuture(new AuthnOutcome.Blocked(Duration.ZERO, id));
    }
    OktaException failure = r.failure();
    if (r.status() == 401 && "E0000004".equals(failure.errorCode())) {
      return Future.succeededFuture(new AuthnOutcome.Invalid(id));
    }
    return Future.succeededFuture(new AuthnOutcome.Unknown(failure.getMessage(), id));
  }

  private Future<Void> cancel(String stateToken) {
    Buffer body = new JsonObject().put("stateToken", stateToken).toBuffer();
    return connection.execute(OrgConnection.Call.once(connection.url("/api/v1/authn/cancel"), Bucket.AUTHN, body),
        usage).mapEmpty();
  }

  /**
   * The System Log events that request {@code requestId} (its {@code X-Okta-Request-Id}) wrote so
   * far, read with {@code filter=transaction.id eq "<id>"} ({@code okta.logs.read}, and an admin role
   * that may read the System Log); see {@link SystemLog#explain}. Not sent, failing with
   * {@code NOT_SENT}, once {@code giveUp} (may be null) has completed while it waits for the rate limit.
   */
  public Future<List<LogEvent>> requestEvents(String requestId, Future<?> giveUp) {
    if (!SystemLog.isRequestId(requestId)) {
      return Future.failedFuture(OktaException.of(OktaException.Kind.BAD_REQUEST, "not an Okta request id"));
    }
    // a polling query (since, no until): events are found by when Okta stored them, whatever their lag
    String since = Instant.now().minus(SystemLog.LOOKBACK).truncatedTo(ChronoUnit.SECONDS).toString();
    URI url = connection.url("/api/v1/logs?since=" + OrgConnection.encode(since) + "&filter="
        + OrgConnection.encode(SystemLog.filterOf(requestId)) + "&limit=100");
    return connection.executeOk(OrgConnection.Call.get(url, Bucket.LOGS, Set.of(LOGS_READ)).abandonedWhen(giveUp),
            usage)
        .map(r -> SystemLog.events(r.jsonArray(), requestId));
  }

  // ---- mitigation ---------------------------------------------------------------------------

  /** {@code POST /api/v1/users/{id}/lifecycle/suspend}; NOT_ALLOWED unless the user is ACTIVE. */
  public Future<OktaAck> suspend(String userId) {
    return lifecycle(HttpMethod.POST, "/api/v1/users/" + OrgConnection.encode(userId) + "/lifecycle/suspend");
  }

  /** {@code POST /api/v1/users/{id}/lifecycle/unsuspend}; NOT_ALLOWED unless the user is SUSPENDED. */
  public Future<OktaAck> unsuspend(String userId) {
    return lifecycle(HttpMethod.POST, "/api/v1/users/" + OrgConnection.encode(userId) + "/lifecycle/unsuspend");
  }

  /** {@code DELETE /api/v1/users/{id}/sessions?oauthTokens=true}: ends every session and revokes OAuth tokens. */
  public Future<OktaAck> clearSessions(String userId) {
    return lifecycle(HttpMethod.DELETE, "/api/v1/users/" + OrgConnection.encode(userId) + "/sessions?oauthTokens=true");
  }

  private Future<OktaAck> lifecycle(HttpMethod method, String pathAndQuery) {
    return connection.executeOk(OrgConnection.Call.change(method, connection.url(pathAndQuery), Set.of(USERS_MANAGE)),
        usage).map(r -> new OktaAck(r.status(), r.requestId()));
  }

  /**
   * The user's status as Okta has it now ({@code GET /api/v1/users/{id}}), with the request id of
   * the read: after a lifecycle call whose effect is unknown, this decides whether it was applied.
   */
  public Future<OktaUserStatus> userStatus(String userId) {
    URI url = connection.url("/api/v1/users/" + OrgConnection.encode(userId));
    return connection.executeOk(OrgConnection.Call.get(url, Bucket.USER_READ, Set.of(USERS_READ)), usage)
        .map(r -> new OktaUserStatus(UserParser.one(r.body()).status(), r.requestId()));
  }

  /**
   * Universal Logout: {@code POST /oauth2/v1/global-token-revocation} with
   * {@code {"sub_id":{"format":"opaque","id":userId}}}; Okta revokes the user's tokens and sessions
   * and signs the user out of the apps that support it (204). Needs
   * {@code okta.universalLogout.manage}: without it the token request fails with
   * {@link OktaException.Kind#INVALID_SCOPE}. Revoking again is harmless.
   */
  public Future<OktaAck> universalLogout(String userId) {
    Buffer body = new JsonObject().put("sub_id", new JsonObject().put("format", "opaque").put("id", userId))
        .toBuffer();
    OrgConnection.Call call = new OrgConnection.Call(HttpMethod.POST,
        connection.url("/oauth2/v1/global-token-revocation"), Bucket.OTHER, Set.of(UNIVERSAL_LOGOUT), () -> body,
        "application/json", OrgConnection.Retries.RATE_LIMITS_ONLY, null);
    return connection.executeOk(call, usage).map(r -> new OktaAck(r.status(), r.requestId()));
  }

  /** The org's Security Events Providers ({@link SecurityEvents#providers}; issue 16). */
  public Future<List<JsonObject>> securityEventsProviders() {
    return SecurityEvents.providers(connection, usage);
  }

  /** Publishes a signed Security Event Token to the org ({@link SecurityEvents}; issue 16). */
  public Future<SecurityEventOutcome> publishSecurityEvent(String signedSet) {
    return SecurityEvents.publish(connection, usage, signedSet);
  }

  @Override
  public String toString() {
    return "OktaOrg[" + connection.domain.value() + ", client " + connection.clientId + ", " + usage + "]";
  }
}
