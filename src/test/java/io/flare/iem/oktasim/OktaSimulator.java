package io.flare.iem.oktasim;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A faithful, in-process Okta org for tests, benchmarks and dev mode: a Vert.x HTTP server at the
 * root path speaking Okta's contract (okta-api.md §9) — the org authorization server's token
 * endpoint with {@code private_key_jwt} and DPoP, {@code /api/v1/users} with paging, filters and
 * search, {@code /api/v1/authn} with a lockout policy, its per-username throttle and a sign-on
 * policy, lifecycle calls, sessions, password policies, the System Log of authn, Identity Engine user
 * blocks, the org's metadata ({@code /.well-known/okta-organization}), ThreatInsight and network
 * zones, rate limits and fault injection.
 *
 * <p>Users are generated from (seed, index), so a million-user org costs no memory until users are
 * changed; changed, added and deleted users are kept as overlays. Every user has a known password
 * ({@link #password(String)}).
 *
 * <pre>{@code
 * OktaSimulator sim = OktaSimulator.start(vertx, new OktaSimulator.Options()
 *     .users(5_000).jwksUrl(service.httpBase() + "/.well-known/jwks.json")).await();
 * sim.app().requireDpop(true).revokeScopes("okta.users.manage");
 * sim.lockoutPolicy(5, false);
 * String id = sim.userId(42);
 * sim.setStatus(id, "SUSPENDED");
 * ... sim.counters().authnCalls(sim.user(id).orElseThrow().login()) ...
 * }</pre>
 *
 * <p>Thread-safe: the Java API may be called from any thread while the server runs.
 */
public final class OktaSimulator {

  /** How the simulated org starts. All setters return {@code this}. */
  public static final class Options {
    long seed = 42;
    int users = 100;
    Instant asOf = Instant.now().truncatedTo(ChronoUnit.DAYS);
    boolean mixedStatuses = true;
    String host = "127.0.0.1";
    int port = 0;
    String clientId = "0oa" + "SimulatedApp00001";
    String jwksUrl = "http://127.0.0.1:8080/.well-known/jwks.json";
    boolean dpopRequired;
    Set<String> scopes = new LinkedHashSet<>(List.of("okta.users.read", "okta.users.manage", "okta.policies.read"));
    SimApp.AdminRole role = SimApp.AdminRole.SUPER_ADMIN;
    Duration window = Duration.ofMinutes(1);
    boolean unlimited;
    String emailDomain = "example.com";
    boolean identityEngine;

    /** Seed of every generated value (ids, names, statuses, timestamps, passwords). Default 42. */
    public Options seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** How many users the org starts with, 0 to 10,000,000. Default 100. */
    public Options users(int count) {
      this.users = count;
      return this;
    }

    /** Generated timestamps lie before this instant. Default: today 00:00 UTC. */
    public Options asOf(Instant instant) {
      this.asOf = instant;
      return this;
    }

    /** When false every generated user is ACTIVE; by default statuses are mixed (82 % ACTIVE). */
    public Options mixedStatuses(boolean mixed) {
      this.mixedStatuses = mixed;
      return this;
    }

    /** Listening port; 0 (default) picks a free one. */
    public Options port(int port) {
      this.port = port;
      return this;
    }

    public Options host(String host) {
      this.host = host;
      return this;
    }

    /** Client id of the org's first API Services app. */
    public Options clientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    /** Where the first app fetches the client's public keys. */
    public Options jwksUrl(String url) {
      this.jwksUrl = url;
      return this;
    }

    public Options dpopRequired(boolean required) {
      this.dpopRequired = required;
      return this;
    }

    /** Okta API scopes granted to the first app (default users read and manage, policies read). */
    public Options scopes(String... granted) {
      this.scopes = new LinkedHashSet<>(List.of(granted));
      return this;
    }

    public Options adminRole(SimApp.AdminRole role) {
      this.role = role;
      return this;
    }

    /** Length of a rate-limit window (Okta: one minute). Short windows make rate-limit tests quick. */
    public Options rateLimitWindow(Duration window) {
      this.window = window;
      return this;
    }

    /** Effectively no rate limits (for benchmarks). */
    public Options unlimited(boolean unlimited) {
      this.unlimited = unlimited;
      return this;
    }

    /**
     * Whether the org runs Identity Engine ({@code pipeline "idx"}: user blocks) rather than Classic
     * Engine ({@code "v1"}, the default here: it keeps the simulator's traffic what it was).
     */
    public Options identityEngine(boolean identityEngine) {
      this.identityEngine = identityEngine;
      return this;
    }

    /** Domain of generated logins. Default {@code example.com}. */
    public Options emailDomain(String domain) {
      this.emailDomain = domain;
      return this;
    }
  }

  final Vertx vertx;
  final WebClient web;
  final SimUsers users;
  final Map<String, SimApp> apps = new LinkedHashMap<>();
  final String apiToken;
  final SimFaults faults = new SimFaults(this);
  final SimCounters counters = new SimCounters(this);
  final SimThreatInsight threatInsight;
  final EnumMap<SimBucket, Integer> limits = new EnumMap<>(SimBucket.class);
  final SimSystemLog systemLog = new SimSystemLog(this);
  final SimSignOnPolicy signOnPolicy = new SimSignOnPolicy(this);
  final SimUserBlocks userBlocks = new SimUserBlocks(this);
  final SimGroups groups = new SimGroups(this);
  boolean identityEngine;
  long windowMillis;
  int concurrencyLimit = 75;
  int maxAttempts = 10;
  int autoUnlockMinutes;
  boolean showLockoutFailures;
  int passwordMaxAgeDays = 90;
  boolean policyReadable = true;
  final SimPolicies passwordPolicies = new SimPolicies();
  boolean universalLogout;
  long clockOffset;
  final List<String> secrets = Collections.synchronizedList(new ArrayList<>());
  private final String orgId;
  private String customDomain;
  private final SimServer server;
  private HttpServer http;
  private final SimApp first;

  private OktaSimulator(Vertx vertx, Options options) {
    this.vertx = vertx;
    this.web = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setConnectTimeout(5000)
        .setIdleTimeout(30).setUserAgent("okta-simulator"));
    this.users = new SimUsers(options.seed, options.users, options.asOf.toEpochMilli(), options.mixedStatuses,
        options.emailDomain);
    this.apiToken = "00" + SimUsers.base62(SimUsers.mix(options.seed, -3), 20) + SimUsers.base62(
        SimUsers.mix(options.seed, -4), 20);
    this.orgId = "00o" + SimUsers.base62(SimUsers.mix(options.seed, -5), 17);
    this.windowMillis = options.window.toMillis();
    this.identityEngine = options.identityEngine;
    for (SimBucket b : SimBucket.values()) {
      limits.put(b, options.unlimited ? 100_000_000 : b.defaultLimit);
    }
    if (options.unlimited) {
      concurrencyLimit = 100_000;
    }
    this.first = new SimApp(this, options.clientId, options.jwksUrl);
    first.scopes.addAll(options.scopes);
    first.adminRole(options.role);
    first.dpopRequired = options.dpopRequired;
    apps.put(first.clientId, first);
    this.threatInsight = new SimThreatInsight(this);
    this.server = new SimServer(this);
  }

  /** Starts a simulated org on {@code vertx}. */
  public static Future<OktaSimulator> start(Vertx vertx, Options options) {
    OktaSimulator sim = new OktaSimulator(vertx, options);
    return vertx.createHttpServer(new HttpServerOptions().setHost(options.host).setPort(options.port)
            .setIdleTimeout(120))
        .requestHandler(sim.server::handle)
        .listen()
        .map(server -> {
          sim.http = server;
          return sim;
        });
  }

  /**
   * User {@code index} of the population a simulator started with {@code options} generates, as it
   * serves it until changed: for benchmarks that write the same rows without asking the org (and
   * for a simulator in another process).
   */
  public static java.util.function.IntFunction<SimUser> population(Options options) {
    SimUsers generated = new SimUsers(options.seed, options.users, options.asOf.toEpochMilli(), options.mixedStatuses,
        options.emailDomain);
    return generated::generate;
  }

  /** Stops serving. */
  public Future<Void> stop() {
    return http == null ? Future.succeededFuture() : http.close();
  }

  /** {@code http://127.0.0.1:<port>}: the org URL (the "Okta domain") to configure. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public int port() {
    return http.actualPort();
  }

  // ---- apps ---------------------------------------------------------------------------------

  /** The org's first API Services app. */
  public SimApp app() {
    return first;
  }

  public synchronized SimApp app(String clientId) {
    SimApp app = apps.get(clientId);
    if (app == null) {
      throw new IllegalArgumentException("no app " + clientId);
    }
    return app;
  }

  /** Adds another API Services app (no scopes, no role: grant what it needs). */
  public synchronized SimApp addApp(String clientId, String jwksUrl) {
    SimApp app = new SimApp(this, clientId, jwksUrl);
    apps.put(clientId, app);
    return app;
  }

  /** An SSWS API token with Super Administrator rights, as Okta's recorded fixtures use. */
  public String apiToken() {
    return apiToken;
  }

  // ---- users --------------------------------------------------------------------------------

  /** Id of the user at listing position {@code index} (0 = first user of the seeded population). */
  public String userId(int index) {
    return users.id(index);
  }

  /** A copy of the user with this id or login, if it exists (deleted users do not). */
  public synchronized Optional<SimUser> user(String idOrLogin) {
    return Optional.ofNullable(users.find(idOrLogin)).map(SimUser::copy);
  }

  /** A copy of the user at {@code index}, if it exists. */
  public synchronized Optional<SimUser> user(int index) {
    return Optional.ofNullable(users.get(index)).map(SimUser::copy);
  }

  /** The current password of a user: a "leaked" credential that Okta accepts. */
  public synchronized String password(String idOrLogin) {
    return existing(idOrLogin).password;
  }

  /** Copies of up to {@code limit} users matching {@code test}, in listing order (scans the org). */
  public synchronized List<SimUser> users(Predicate<SimUser> test, int limit) {
    List<SimUser> out = new ArrayList<>();
    for (int i = 0; i < users.end() && out.size() < limit; i++) {
      SimUser u = users.get(i);
      if (u != null && test.test(u)) {
        out.add(u.copy());
      }
    }
    return out;
  }

  /** Users that exist now (deleted ones excluded, DEPROVISIONED included); scans overlays only. */
  public synchronized int userCount() {
    int count = users.baseCount;
    for (int index : users.overlayIndexesAfter(-1)) {
      boolean exists = users.get(index) != null;
      if (index >= users.baseCount && exists) {
        count++;
      } else if (index < users.baseCount && !exists) {
        count--;
      }
    }
    return count;
  }

  /** Adds a user (created and updated now), returning a copy; its password is {@link #password(String)}. */
  public synchronized SimUser addUser(String login, String firstName, String lastName, String status) {
    return users.add(login, firstName, lastName, status, now()).copy();
  }

  /** Changes profile fields (null keeps a field) and bumps {@code lastUpdated}. */
  public synchronized void updateProfile(String id, String firstName, String lastName, String email) {
    SimUser u = mutable(id);
    if (firstName != null) {
      u.firstName = firstName;
    }
    if (lastName != null) {
      u.lastName = lastName;
    }
    if (email != null) {
      u.email = email;
    }
    u.lastUpdated = now();
  }

  /** Changes the login (and email) and bumps {@code lastUpdated}. */
  public synchronized void setLogin(String id, String login) {
    SimUser u = mutable(id);
    u.login = login;
    u.email = login;
    users.loginChanged(u);
    u.lastUpdated = now();
  }

  /** Sets any status, as an admin would, bumping {@code statusChanged} and {@code lastUpdated}. */
  public synchronized void setStatus(String id, String status) {
    SimUser u = mutable(id);
    u.status = status;
    long now = now();
    u.statusChanged = now;
    u.lastUpdated = now;
    if (status.equals("LOCKED_OUT")) {
      u.lockedAt = now;
    } else {
      u.failedAttempts = 0;
    }
  }

  /** Deactivates the user (DEPROVISIONED): visible only to {@code filter} and {@code search}. */
  public synchronized void deprovision(String id) {
    setStatus(id, "DEPROVISIONED");
  }

  /** Deletes the user for good: it disappears from every listing. */
  public synchronized void hardDelete(String id) {
    users.hardDelete(users.indexOf(existing(id).id));
  }

  public synchronized void setLastLogin(String id, Instant lastLogin) {
    mutable(id).lastLogin = lastLogin == null ? SimUser.NONE : lastLogin.toEpochMilli();
  }

  /** Sets {@code passwordChanged} (and {@code lastUpdated}). */
  public synchronized void setPasswordChanged(String id, Instant changed) {
    SimUser u = mutable(id);
    u.passwordChanged = changed == null ? SimUser.NONE : changed.toEpochMilli();
    u.lastUpdated = Math.max(u.lastUpdated, now());
  }

  /** Sets the password (bumping {@code passwordChanged} and {@code lastUpdated}). */
  public synchronized void setPassword(String id, String password) {
    SimUser u = mutable(id);
    u.password = password;
    long now = now();
    u.passwordChanged = now;
    u.lastUpdated = now;
  }

  /** Locks the user out, as too many failed sign-ins would. */
  public synchronized void lock(String id) {
    setStatus(id, "LOCKED_OUT");
  }

  /** Unlocks the user (ACTIVE, failed-attempt counter reset). */
  public synchronized void unlock(String id) {
    setStatus(id, "ACTIVE");
  }

  /** What a correct password yields for this user: {@code SUCCESS}, {@code MFA_REQUIRED}, {@code MFA_ENROLL}, {@code PASSWORD_WARN}. */
  public synchronized void setAuthnState(String id, String state) {
    mutable(id).authnState = state;
  }

  /**
   * Enrolls a factor for the user ({@code factorType} and {@code provider} as Okta names them, e.g.
   * {@code sms}/{@code OKTA}; {@code profile} as Okta shows it, e.g. {@code phoneNumber}), returning it.
   * {@code MFA_REQUIRED} answers list the user's factors in enrollment order.
   */
  public synchronized SimFactor enrollFactor(String id, String factorType, String provider,
      io.vertx.core.json.JsonObject profile) {
    SimUser u = mutable(id);
    SimFactor f = new SimFactor(SimFactor.prefix(factorType, provider) + SimServer.randomToken(17), factorType,
        provider, profile.copy());
    List<SimFactor> factors = new ArrayList<>(u.factors);
    factors.add(f);
    u.factors = List.copyOf(factors);
    return f;
  }

  /** Changes a user's fields as they are, bumping nothing: for tests that need an exact recorded state. */
  synchronized void edit(String idOrLogin, java.util.function.Consumer<SimUser> change) {
    change.accept(mutable(idOrLogin));
  }

  /** The password policy's maximum password age in days (default 90): what PASSWORD_WARN counts down to. */
  public synchronized void passwordMaxAgeDays(int days) {
    this.passwordMaxAgeDays = days;
  }

  /** Whole days until the user's password expires ({@code PASSWORD_WARN}'s {@code passwordExpireDays}), at least 0. */
  synchronized int passwordExpireDays(SimUser u, long now) {
    if (u.passwordChanged == SimUser.NONE) {
      return 0;
    }
    long left = u.passwordChanged + passwordMaxAgeDays * 86_400_000L - now;
    return (int) Math.max(0, -Math.floorDiv(-left, 86_400_000L));
  }

  // ---- policy, limits, faults, counters -----------------------------------------------------

  /** The password policy's lockout: {@code maxAttempts} (0 = never) and whether authn shows LOCKED_OUT. */
  public synchronized void lockoutPolicy(int maxAttempts, boolean showLockoutFailures) {
    this.maxAttempts = maxAttempts;
    this.showLockoutFailures = showLockoutFailures;
  }

  /** Minutes after which a locked user is unlocked again (0 = never, Okta's default). */
  public synchronized void autoUnlockMinutes(int minutes) {
    this.autoUnlockMinutes = minutes;
  }

  /**
   * Another ACTIVE password policy (for a group) after the default one, with its own lockout
   * threshold. Authn still locks by the default policy's threshold; listings show every policy.
   */
  public synchronized OktaSimulator addPasswordPolicy(String name, int priority, int maxAttempts) {
    passwordPolicies.add(name, priority, maxAttempts);
    return this;
  }

  /** How many policies one page of {@code GET /api/v1/policies} holds when the caller sets no {@code limit}. */
  public synchronized OktaSimulator policyPageSize(int size) {
    passwordPolicies.pageSize = size;
    return this;
  }

  /** When false, {@code GET /api/v1/policies} is 403 E0000006 even with {@code okta.policies.read}. */
  public synchronized void policyReadable(boolean readable) {
    this.policyReadable = readable;
  }

  /**
   * Whether the org offers Universal Logout (global token revocation, with Okta Identity Threat
   * Protection); off by default. Without it, {@code okta.universalLogout.manage} is not grantable:
   * a token request for it is {@code invalid_scope}, whatever the app's scopes say.
   */
  public synchronized OktaSimulator universalLogoutOffered(boolean offered) {
    this.universalLogout = offered;
    return this;
  }

  public synchronized int maxAttempts() {
    return maxAttempts;
  }

  /** The org's limit for {@code bucket} per window (the app sees its share of it). */
  public synchronized OktaSimulator limit(SimBucket bucket, int perWindow) {
    limits.put(bucket, perWindow);
    return this;
  }

  /** Effectively unlimited buckets and concurrency (for benchmarks). */
  public synchronized OktaSimulator unlimited() {
    for (SimBucket b : SimBucket.values()) {
      limits.put(b, 100_000_000);
    }
    concurrencyLimit = 100_000;
    return this;
  }

  /** Length of a rate-limit window. */
  public synchronized OktaSimulator rateLimitWindow(Duration window) {
    this.windowMillis = window.toMillis();
    return this;
  }

  /** Most requests in flight at once before Okta answers 429 with 0/0 headers (Okta: 35 to 75). */
  public synchronized OktaSimulator concurrencyLimit(int limit) {
    this.concurrencyLimit = limit;
    return this;
  }

  // ---- org metadata (/.well-known/okta-organization) -------------------------------------------

  /** The org's id, as its metadata document names it ({@code 00o…}). */
  public String orgId() {
    return orgId;
  }

  /** Gives the org a custom URL domain ({@code login.acme.com}); null removes it. */
  public synchronized OktaSimulator customDomain(String host) {
    this.customDomain = host;
    return this;
  }

  public synchronized String customDomain() {
    return customDomain;
  }

  /** The org's authentication pipeline: {@code idx} (Identity Engine) or {@code v1} (Classic, the default). */
  public synchronized OktaSimulator pipeline(String pipeline) {
    this.identityEngine = "idx".equals(pipeline);
    return this;
  }

  public synchronized String pipeline() {
    return identityEngine ? "idx" : "v1";
  }

  public SimFaults faults() {
    return faults;
  }

  /** The System Log: authn's events, {@code GET /api/v1/logs}, its lag. */
  public SimSystemLog systemLog() {
    return systemLog;
  }

  /** The sign-on policy: who it denies sign-in to (authn answers 401 as for a wrong password). */
  public SimSignOnPolicy signOnPolicy() {
    return signOnPolicy;
  }

  /** Identity Engine user blocks (unknown devices). */
  /** The org's groups and admins (protected accounts). */
  public SimGroups groups() {
    return groups;
  }

  public SimUserBlocks userBlocks() {
    return userBlocks;
  }

  /** Switches the org to Identity Engine ({@code true}) or Classic Engine. */
  public synchronized OktaSimulator identityEngine(boolean identityEngine) {
    this.identityEngine = identityEngine;
    return this;
  }

  public SimCounters counters() {
    return counters;
  }

  /** ThreatInsight and network zones: its configuration, and the switch that blocks the service's address. */
  public SimThreatInsight threatInsight() {
    return threatInsight;
  }

  /** Moves the simulator's clock (tokens, assertions, proofs, auto-unlock) forward. */
  public synchronized void advanceClock(Duration by) {
    clockOffset += by.toMillis();
  }

  /** Starts a new DPoP nonce; the previous one keeps working, as Okta's does for three days. */
  public void rotateDpopNonce() {
    server.rotateNonce();
  }

  /**
   * Every secret the simulator minted or received: access tokens, client assertions, DPoP proofs,
   * session and state tokens. Tests scan logs for them.
   */
  public List<String> secrets() {
    synchronized (secrets) {
      return List.copyOf(secrets);
    }
  }

  long now() {
    return System.currentTimeMillis() + clockOffset;
  }

  /**
   * Time passes, by {@code by}, for the org's cached copies of its apps' JWKS only; the rest of the
   * simulator keeps real time, which client assertions are checked against.
   */
  public void ageClientJwksCache(Duration by) {
    server.ageJwksCache(by.toMillis());
  }

  /** Okta forgets every access token it issued, as at their expiry: the client must request new ones. */
  public void expireAccessTokens() {
    server.dropAccessTokens();
  }

  void forgetJwks() {
    server.forgetJwks();
  }

  private SimUser existing(String idOrLogin) {
    SimUser u = users.find(idOrLogin);
    if (u == null) {
      throw new IllegalArgumentException("no user " + idOrLogin);
    }
    return u;
  }

  private SimUser mutable(String idOrLogin) {
    return users.mutable(existing(idOrLogin).index);
  }

  Map<String, Object> describe() {
    Map<String, Object> d = new HashMap<>();
    d.put("users", users.baseCount);
    return d;
  }

  @Override
  public String toString() {
    return "OktaSimulator[" + (http == null ? "stopped" : baseUrl()) + ", users=" + users.baseCount + "]";
  }
}
