package io.flare.iem.oktasim;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** The simulator's HTTP side: routing, authentication, rate limits, faults and every endpoint. */
final class SimServer {

  private static final Set<JWSAlgorithm> ALGS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);
  private static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<String> VALID_USER_STATES = Set.of("SUCCESS", "MFA_REQUIRED", "MFA_ENROLL", "PASSWORD_WARN");

  private final OktaSimulator sim;
  private final Map<String, Issued> tokens = new HashMap<>();
  private final Map<String, Long> usedAssertions = new HashMap<>();
  private final Map<String, Long> usedProofs = new HashMap<>();
  private final Map<String, String> stateTokens = new HashMap<>();
  private final Map<String, String> sessionTokens = new HashMap<>();
  private final Map<String, int[]> windows = new HashMap<>();
  private final Map<String, int[]> perUserAuthn = new HashMap<>();
  private final Map<String, CachedJwks> jwks = new HashMap<>();
  private String nonce = randomToken(24);
  private String previousNonce;
  private int inFlight;
  private long dateSecond = -1;
  private String dateValue;

  private record Issued(String clientId, Set<String> scopes, long expiresAt, String jkt) {}

  private record CachedJwks(JWKSet keys, long fetchedAt) {}

  /** Who is calling a management endpoint. */
  record Principal(String key, SimApp app, Set<String> scopes, Set<String> permissions) {}

  private final SimRoles roles;
  private final SimUniversalLogout universalLogout;

  SimServer(OktaSimulator sim) {
    this.sim = sim;
    this.roles = new SimRoles(sim, this);
    this.universalLogout = new SimUniversalLogout(sim, this);
  }

  void rotateNonce() {
    synchronized (sim) {
      previousNonce = nonce;
      nonce = randomToken(24);
    }
  }

  /** Time passes for the org's cached client JWKS (see {@link #CLIENT_JWKS_CACHE_MILLIS}). */
  void ageJwksCache(long millis) {
    synchronized (sim) {
      jwks.replaceAll((url, cached) -> new CachedJwks(cached.keys(), cached.fetchedAt() - millis));
    }
  }

  /** Every access token issued is dropped, as at its expiry: the next call needs a new one. */
  void dropAccessTokens() {
    synchronized (sim) {
      tokens.clear();
    }
  }

  void forgetJwks() {
    synchronized (sim) {
      jwks.clear();
    }
  }

  // ---- entry --------------------------------------------------------------------------------

  void handle(HttpServerRequest req) {
    long arrived = System.nanoTime();
    req.body().onComplete(ar -> {
      if (ar.failed()) {
        return;
      }
      Buffer body = ar.result();
      SimCounters.ServeListener listener = sim.counters.serveListener();
      if (listener != null) {
        req.response().bodyEndHandler(v -> listener.served(req.method().name() + " " + req.path(), body,
            System.nanoTime() - arrived));
      }
      boolean held;
      io.vertx.core.Context context = sim.vertx.getOrCreateContext();
      synchronized (sim) {
        String endpoint = req.method().name() + " " + req.path();
        sim.counters.arrived(endpoint);
        sim.counters.traceparent(endpoint, req.getHeader("traceparent")); // W3C trace context, as Okta ignores it
        held = sim.faults.hold(endpoint, () -> context.runOnContext(v -> proceed(req, body)));
      }
      if (!held) {
        proceed(req, body);
      }
    });
  }

  /** Handles a request that arrived (now, or when a hang that held it ended). */
  private void proceed(HttpServerRequest req, Buffer body) {
    long latency;
    boolean drop;
    synchronized (sim) {
      drop = sim.faults.drop();
      latency = sim.faults.latencyMillis;
      inFlight++;
      sim.counters.inFlight(inFlight);
    }
    req.response().endHandler(v -> done());
    req.response().closeHandler(v -> done());
    if (drop) {
      req.connection().close();
      return;
    }
    if (latency > 0) {
      sim.vertx.setTimer(latency, id -> dispatch(req, body));
    } else {
      dispatch(req, body);
    }
  }

  private void done() {
    synchronized (sim) {
      if (inFlight > 0) {
        inFlight--;
      }
    }
  }

  private void dispatch(HttpServerRequest req, Buffer body) {
    String path = req.path();
    try {
      boolean concurrencyExceeded;
      boolean fail;
      synchronized (sim) {
        concurrencyExceeded = inFlight > sim.concurrencyLimit;
        fail = !concurrencyExceeded && sim.faults.fail();
      }
      if (concurrencyExceeded) {
        concurrency429(req);
        return;
      }
      if (fail) {
        int status;
        synchronized (sim) {
          status = sim.faults.failStatus;
        }
        count(req, pattern(req.method(), path));
        send(req, status, "{\"errorCode\":\"E0000009\",\"errorSummary\":\"Internal Server Error\",\"errorLink\":"
            + "\"E0000009\",\"errorId\":\"" + OktaErrors.errorId() + "\",\"errorCauses\":[]}", null);
        return;
      }
      if (path.equals("/oauth2/v1/token")) {
        count(req, "POST /oauth2/v1/token");
        token(req, body);
      } else if (path.equals("/.well-known/openid-configuration")) {
        count(req, "GET /.well-known/openid-configuration");
        discovery(req);
      } else if (path.equals(SimOrgMetadata.PATH)) {
        count(req, req.method().name() + " " + SimOrgMetadata.PATH);
        SimOrgMetadata.handle(sim, req);
      } else if (path.equals("/oauth2/v1/keys")) {
        count(req, "GET /oauth2/v1/keys");
        send(req, 200, "{\"keys\":[]}", null);
      } else if (path.equals("/api/v1/authn")) {
        count(req, "POST /api/v1/authn");
        authn(req, body);
      } else if (path.equals("/api/v1/authn/cancel")) {
        count(req, "POST /api/v1/authn/cancel");
        cancel(req, body);
      } else if (SimGroups.servesAssignees(path)) {
        sim.groups.assignees(this, req);
      } else if (SimGroups.servesGroupMembers(path)) {
        sim.groups.groupMembers(this, req);
      } else if (SimRoles.serves(path)) {
        roles.handle(req);
      } else if (path.equals(SimUniversalLogout.PATH)) {
        universalLogout.handle(req, body);
      } else if (SimThreatInsight.serves(path)) {
        count(req, pattern(req.method(), path));
        sim.threatInsight.handle(this, req);
      } else if (path.startsWith("/api/v1/")) {
        count(req, pattern(req.method(), path));
        management(req, body);
      } else {
        count(req, req.method().name() + " " + path);
        apiError(req, OktaErrors.NOT_FOUND, "Resource not found: " + path, List.of(), null);
      }
    } catch (RuntimeException e) {
      if (!req.response().ended()) {
        send(req, 500, "{\"errorCode\":\"E0000009\",\"errorSummary\":\"Internal Server Error\",\"errorLink\":"
            + "\"E0000009\",\"errorId\":\"" + OktaErrors.errorId() + "\",\"errorCauses\":[]}", null);
      }
    }
  }

  void count(HttpServerRequest req, String endpoint) {
    synchronized (sim) {
      sim.counters.request(endpoint);
    }
  }

  static String pattern(HttpMethod method, String path) {
    String[] parts = path.split("/");
    if (parts.length >= 5 && parts[1].equals("api") && parts[3].equals("users") && !parts[4].isEmpty()) {
      parts[4] = "{id}";
    }
    return method.name() + " " + String.join("/", parts);
  }

  // ---- responses ----------------------------------------------------------------------------

  private String date() {
    long second = System.currentTimeMillis() / 1000;
    if (second != dateSecond) {
      dateValue = HTTP_DATE.format(Instant.ofEpochSecond(second));
      dateSecond = second;
    }
    return dateValue;
  }

  void send(HttpServerRequest req, int status, String body, Map<String, String> headers) {
    HttpServerResponse res = req.response();
    if (res.ended() || res.closed()) {
      return;
    }
    res.setStatusCode(status);
    MultiMap h = res.headers();
    synchronized (sim) {
      h.set("Date", date());
    }
    h.set("Server", "nginx");
    h.set("Cache-Control", "no-cache, no-store");
    h.set("Pragma", "no-cache");
    h.set("Expires", "0");
    h.set("X-Okta-Request-Id", OktaErrors.requestId());
    if (headers != null) {
      headers.forEach((name, value) -> {
        if (name.equalsIgnoreCase("X-Okta-Request-Id")) {
          h.set(name, value); // authn names its request id up front: its System Log events carry it
        } else {
          h.add(name, value);
        }
      });
    }
    if (body != null) {
      h.set("Content-Type", "application/json");
      res.end(body);
    } else {
      res.end();
    }
  }

  void apiError(HttpServerRequest req, OktaErrors.Api error, String param, List<String> causes,
      Map<String, String> headers) {
    send(req, error.status(), OktaErrors.body(error, param, causes), headers);
  }

  private void oauthError(HttpServerRequest req, OktaErrors.OAuth error, Map<String, String> headers) {
    send(req, error.status(), OktaErrors.body(error), headers);
  }

  // ---- rate limits --------------------------------------------------------------------------

  /**
   * Counts one request of {@code principal} in {@code bucket}. Adds the {@code x-rate-limit-*}
   * headers to {@code headers} and returns true; or answers 429 and returns false.
   */
  boolean admit(HttpServerRequest req, String principal, SimBucket bucket, int sharePercent,
      Map<String, String> headers) {
    int limit;
    int remaining;
    long reset;
    boolean limited;
    synchronized (sim) {
      long now = System.currentTimeMillis();
      long window = Math.max(1, sim.windowMillis);
      long start = now - Math.floorMod(now, window);
      reset = (start + window + 999) / 1000;
      limit = (int) Math.max(1, (long) sim.limits.get(bucket) * sharePercent / 100);
      if (sim.faults.storming(bucket, now)) {
        reset = (sim.faults.stormUntil + 999) / 1000;
        limited = true;
        remaining = 0;
      } else {
        String key = principal + "|" + bucket;
        int[] slot = windows.computeIfAbsent(key, k -> new int[] {0, 0});
        long slotStart = ((long) slot[1]) * window;
        if (slotStart != start) {
          slot[0] = 0;
          slot[1] = (int) (start / window);
        }
        limited = slot[0] >= limit;
        if (!limited) {
          slot[0]++;
          sim.counters.accepted(principal, bucket, start);
        }
        remaining = Math.max(0, limit - slot[0]);
      }
      if (limited) {
        sim.counters.record429();
      }
    }
    headers.put("x-rate-limit-limit", Integer.toString(limit));
    headers.put("x-rate-limit-remaining", Integer.toString(remaining));
    headers.put("x-rate-limit-reset", Long.toString(reset));
    if (limited) {
      apiError(req, OktaErrors.RATE_LIMITED, null, List.of(), headers);
    }
    return !limited;
  }

  private void concurrency429(HttpServerRequest req) {
    synchronized (sim) {
      sim.counters.record429();
    }
    Map<String, String> h = new LinkedHashMap<>();
    h.put("x-rate-limit-limit", "0");
    h.put("x-rate-limit-remaining", "0");
    h.put("x-rate-limit-reset", Long.toString(System.currentTimeMillis() / 1000 + 1));
    apiError(req, OktaErrors.RATE_LIMITED, null, List.of(), h);
  }

  // ---- discovery ----------------------------------------------------------------------------

  private void discovery(HttpServerRequest req) {
    String base = base(req);
    JsonObject doc = new JsonObject()
        .put("issuer", base)
        .put("authorization_endpoint", base + "/oauth2/v1/authorize")
        .put("token_endpoint", base + "/oauth2/v1/token")
        .put("jwks_uri", base + "/oauth2/v1/keys")
        .put("grant_types_supported", List.of("authorization_code", "implicit", "refresh_token", "password",
            "client_credentials"))
        .put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post",
            "client_secret_jwt", "private_key_jwt", "none"))
        .put("dpop_signing_alg_values_supported", List.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512"));
    send(req, 200, doc.encode(), null);
  }

  static String base(HttpServerRequest req) {
    String host = req.headers().get("Host");
    return (req.isSSL() ? "https" : "http") + "://" + (host != null ? host : req.authority().toString());
  }

  // ---- token endpoint -----------------------------------------------------------------------

  private void token(HttpServerRequest req, Buffer body) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (req.method() != HttpMethod.POST) {
      apiError(req, OktaErrors.METHOD_NOT_ALLOWED, null, List.of(), null);
      return;
    }
    Map<String, List<String>> form = form(body.toString(StandardCharsets.UTF_8));
    String assertion = first(form, "client_assertion");
    if (assertion != null) {
      sim.secrets.add(assertion);
    }
    for (String proof : req.headers().getAll("DPoP")) {
      sim.secrets.add(proof);
    }
    SignedJWT jwt = null;
    JWTClaimsSet claims = null;
    try {
      if (assertion != null) {
        jwt = SignedJWT.parse(assertion);
        claims = jwt.getJWTClaimsSet();
      }
    } catch (java.text.ParseException e) {
      jwt = null;
    }
    String principal = "token:" + (claims != null && claims.getIssuer() != null ? claims.getIssuer() : "anonymous");
    SimApp peek;
    synchronized (sim) {
      peek = claims == null ? null : sim.apps.get(claims.getIssuer());
    }
    String sharePrincipal = peek != null ? peek.clientId : principal;
    if (!admit(req, sharePrincipal, SimBucket.TOKEN, peek != null ? peek.sharePercent : 50, headers)) {
      return;
    }
    for (List<String> values : form.values()) {
      if (values.size() > 1) {
        oauthError(req, OktaErrors.DUPLICATE_PARAMS, headers);
        return;
      }
    }
    if (req.headers().get("Authorization") != null && assertion != null) {
      send(req, 401, "{\"error\":\"invalid_request\",\"error_description\":\"Cannot supply multiple client "
          + "credentials. Use one of the following: credentials in the Authorization header, credentials in the post "
          + "body, or a client_assertion in the post body.\"}", headers);
      return;
    }
    if (!"client_credentials".equals(first(form, "grant_type"))) {
      oauthError(req, OktaErrors.UNSUPPORTED_GRANT, headers);
      return;
    }
    if (first(form, "client_secret") != null || req.headers().get("Authorization") != null) {
      oauthError(req, OktaErrors.PRIVATE_KEY_JWT_REQUIRED, headers);
      return;
    }
    if (assertion == null) {
      oauthError(req, OktaErrors.NO_CLIENT_CREDENTIALS, headers);
      return;
    }
    if (!ASSERTION_TYPE.equals(first(form, "client_assertion_type"))) {
      oauthError(req, OktaErrors.BAD_ASSERTION_TYPE, headers);
      return;
    }
    if (jwt == null || claims == null) {
      oauthError(req, OktaErrors.ASSERTION_UNPARSEABLE, headers);
      return;
    }
    SimApp app = peek;
    if (app == null) {
      oauthError(req, OktaErrors.CLIENT_AUTH_FAILED, headers);
      return;
    }
    String clientIdParam = first(form, "client_id");
    if (clientIdParam != null && !clientIdParam.equals(claims.getIssuer())) {
      oauthError(req, OktaErrors.ASSERTION_ISSUER, headers);
      return;
    }
    if (!app.clientId.equals(claims.getSubject())) {
      oauthError(req, OktaErrors.ASSERTION_SUBJECT, headers);
      return;
    }
    String tokenUrl = base(req) + "/oauth2/v1/token";
    if (claims.getAudience() == null || !claims.getAudience().contains(tokenUrl)) {
      oauthError(req, OktaErrors.ASSERTION_AUDIENCE, headers);
      return;
    }
    long now = sim.now();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      oauthError(req, OktaErrors.ASSERTION_EXP_REQUIRED, headers);
      return;
    }
    if (exp.getTime() <= now) {
      oauthError(req, OktaErrors.ASSERTION_EXPIRED, headers);
      return;
    }
    if (exp.getTime() > now + 3_600_000 + 5_000) {
      oauthError(req, OktaErrors.ASSERTION_TOO_FAR, headers);
      return;
    }
    if (claims.getIssueTime() != null && claims.getIssueTime().getTime() > now + 5_000) {
      oauthError(req, OktaErrors.ASSERTION_IAT_FUTURE, headers);
      return;
    }
    if (!ALGS.contains(jwt.getHeader().getAlgorithm())) {
      oauthError(req, OktaErrors.ASSERTION_ALG, headers);
      return;
    }
    String jti = claims.getJWTID();
    synchronized (sim) {
      if (jti != null && usedAssertions.containsKey(app.clientId + "|" + jti)) {
        oauthError(req, OktaErrors.ASSERTION_REUSED, headers);
        return;
      }
    }
    SignedJWT signed = jwt;
    JWTClaimsSet verifiedClaims = claims;
    clientKeys(app, signed.getHeader().getKeyID()).onComplete(ar -> {
      if (ar.failed()) {
        oauthError(req, (OktaErrors.OAuth) ((KeyProblem) ar.cause()).error, headers);
        return;
      }
      OktaErrors.OAuth problem = verifyAssertion(signed, ar.result());
      if (problem != null) {
        oauthError(req, problem, headers);
        return;
      }
      finishToken(req, app, form, verifiedClaims, headers, tokenUrl, signed.getHeader().getKeyID());
    });
  }

  private static final class KeyProblem extends RuntimeException {
    final OktaErrors.OAuth error;

    KeyProblem(OktaErrors.OAuth error) {
      super(error.description(), null, false, false);
      this.error = error;
    }
  }

  /**
   * How long a fetched client JWKS is used. Okta documents caching for the JWKS it publishes (honour
   * Cache-Control, developer.okta.com/docs/concepts/key-rotation) but not how long it keeps a
   * client's JWKS fetched from {@code jwks_uri}, nor whether an unknown {@code kid} makes it fetch
   * again; the simulator takes the figure our rotation plans for (up to 5 minutes) and the worse
   * reading: the cached set answers until it expires, an unknown kid being
   * {@code client_assertion_invalid_kid}. A key must be published 5 minutes before it signs.
   */
  static final long CLIENT_JWKS_CACHE_MILLIS = java.time.Duration.ofMinutes(5).toMillis();

  /** The app's public keys: saved in Okta, or fetched (and cached) from its JWKS URL. */
  private Future<JWKSet> clientKeys(SimApp app, String kid) {
    Future<String> url;
    synchronized (sim) {
      if (app.savedKeys != null) {
        return Future.succeededFuture(app.savedKeys);
      }
      url = app.jwksLookup != null ? app.jwksLookup.get() : Future.succeededFuture(app.jwksUrl);
    }
    return url.recover(e -> Future.succeededFuture(null)).compose(this::clientKeysAt);
  }

  private Future<JWKSet> clientKeysAt(String url) {
    synchronized (sim) {
      CachedJwks cached = url == null ? null : jwks.get(url);
      if (cached != null && sim.now() - cached.fetchedAt < CLIENT_JWKS_CACHE_MILLIS) {
        return Future.succeededFuture(cached.keys);
      }
    }
    if (url == null) {
      return Future.failedFuture(new KeyProblem(OktaErrors.JWKS_ERROR));
    }
    return sim.web.getAbs(url).timeout(5000).send().transform(ar -> {
      if (ar.failed() || ar.result().statusCode() != 200) {
        return Future.failedFuture(new KeyProblem(OktaErrors.JWKS_ERROR));
      }
      JWKSet set;
      try {
        set = JWKSet.parse(ar.result().bodyAsString());
      } catch (java.text.ParseException | RuntimeException e) {
        return Future.failedFuture(new KeyProblem(OktaErrors.JWKS_ERROR));
      }
      if (set.getKeys().isEmpty()) {
        return Future.failedFuture(new KeyProblem(OktaErrors.JWKS_NO_KEY));
      }
      Set<String> kids = new HashSet<>();
      for (JWK k : set.getKeys()) {
        if (k.getKeyID() != null && !kids.add(k.getKeyID())) {
          return Future.failedFuture(new KeyProblem(OktaErrors.JWKS_AMBIGUOUS));
        }
      }
      synchronized (sim) {
        jwks.put(url, new CachedJwks(set, sim.now()));
      }
      return Future.succeededFuture(set);
    });
  }

  private static OktaErrors.OAuth verifyAssertion(SignedJWT jwt, JWKSet keys) {
    String kid = jwt.getHeader().getKeyID();
    List<JWK> candidates = new ArrayList<>();
    if (kid != null) {
      JWK key = keys.getKeyByKeyId(kid);
      if (key == null) {
        return OktaErrors.ASSERTION_KID;
      }
      candidates.add(key);
    } else {
      candidates.addAll(keys.getKeys());
    }
    for (JWK key : candidates) {
      if (key.getKeyUse() != null && key.getKeyUse() != KeyUse.SIGNATURE) {
        continue;
      }
      try {
        JWSVerifier verifier = verifier(key);
        if (verifier != null && jwt.verify(verifier)) {
          return null;
        }
      } catch (JOSEException | IllegalStateException e) {
        // try the next key
      }
    }
    return OktaErrors.ASSERTION_SIGNATURE;
  }

  private static JWSVerifier verifier(JWK key) throws JOSEException {
    if (key instanceof RSAKey rsa) {
      return new RSASSAVerifier(rsa.toRSAPublicKey());
    }
    if (key instanceof ECKey ec) {
      return new ECDSAVerifier(ec.toECPublicKey());
    }
    return null;
  }

  private void finishToken(HttpServerRequest req, SimApp app, Map<String, List<String>> form, JWTClaimsSet claims,
      Map<String, String> headers, String tokenUrl, String kid) {
    String scope = first(form, "scope");
    Set<String> requested = new java.util.LinkedHashSet<>();
    if (scope != null) {
      for (String s : scope.trim().split("\\s+")) {
        if (!s.isEmpty()) {
          requested.add(s);
        }
      }
    }
    boolean dpopRequired;
    boolean rejectNonces;
    Set<String> granted;
    synchronized (sim) {
      dpopRequired = app.dpopRequired;
      rejectNonces = app.rejectNonces;
      granted = new java.util.HashSet<>(app.scopes);
      if (!sim.universalLogout) {
        granted.remove(SimUniversalLogout.SCOPE); // not grantable in an org without Identity Threat Protection
      }
    }
    List<String> proofs = req.headers().getAll("DPoP");
    String jkt = null;
    if (dpopRequired || !proofs.isEmpty()) {
      if (proofs.isEmpty()) {
        oauthError(req, OktaErrors.DPOP_MISSING, headers);
        return;
      }
      if (proofs.size() > 1) {
        oauthError(req, OktaErrors.DPOP_MULTIPLE, headers);
        return;
      }
      Proof proof = checkProof(proofs.get(0), "POST", tokenUrl, null);
      if (proof.error != null) {
        oauthError(req, proof.error, headers);
        return;
      }
      synchronized (sim) {
        String sent = proof.nonce;
        if (rejectNonces || sent == null || !(sent.equals(nonce) || sent.equals(previousNonce))) {
          headers.put("dpop-nonce", nonce);
          oauthError(req, OktaErrors.USE_NONCE, headers);
          return;
        }
        headers.put("dpop-nonce", nonce);
      }
      jkt = proof.jkt;
    }
    if (requested.isEmpty()) {
      oauthError(req, OktaErrors.NO_SCOPES, headers);
      return;
    }
    if (requested.contains("openid")) {
      oauthError(req, OktaErrors.OPENID_NOT_ALLOWED, headers);
      return;
    }
    if (!granted.containsAll(requested)) {
      oauthError(req, OktaErrors.SCOPE_INVALID, headers);
      return;
    }
    String accessToken = mintAccessToken(base(req), app.clientId, requested, jkt);
    long now = sim.now();
    synchronized (sim) {
      if (claims.getJWTID() != null) {
        usedAssertions.put(app.clientId + "|" + claims.getJWTID(), claims.getExpirationTime().getTime());
        if (usedAssertions.size() > 100_000) {
          usedAssertions.values().removeIf(expiry -> expiry < now);
        }
      }
      tokens.put(accessToken, new Issued(app.clientId, Set.copyOf(requested), now + 3_600_000, jkt));
      sim.counters.tokenIssued(kid);
    }
    sim.secrets.add(accessToken);
    headers.put("X-Robots-Tag", "noindex,nofollow");
    JsonObject out = new JsonObject()
        .put("token_type", jkt != null ? "DPoP" : "Bearer")
        .put("expires_in", 3600)
        .put("access_token", accessToken)
        .put("scope", String.join(" ", requested));
    send(req, 200, out.encode(), headers);
  }

  private String mintAccessToken(String issuer, String clientId, Set<String> scopes, String jkt) {
    long iat = sim.now() / 1000;
    JsonObject header = new JsonObject().put("kid", "sim-" + clientId).put("typ", "application/okta-internal-at+jwt")
        .put("alg", "RS256");
    JsonObject payload = new JsonObject().put("ver", 1).put("jti", "AT." + randomToken(32)).put("iss", issuer)
        .put("aud", issuer).put("sub", clientId).put("iat", iat).put("exp", iat + 3600).put("cid", clientId)
        .put("scp", new ArrayList<>(scopes));
    if (jkt != null) {
      payload.put("cnf", new JsonObject().put("jkt", jkt));
    }
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(payload.encode().getBytes(StandardCharsets.UTF_8)) + "." + randomToken(86);
  }

  // ---- DPoP proofs --------------------------------------------------------------------------

  private record Proof(OktaErrors.OAuth error, String nonce, String jkt, String ath) {
    static Proof failed(OktaErrors.OAuth error) {
      return new Proof(error, null, null, null);
    }
  }

  /** Checks a proof for {@code method} on {@code url}; {@code accessToken} non-null on resource calls. */
  private Proof checkProof(String serialized, String method, String url, String accessToken) {
    SignedJWT proof;
    JWTClaimsSet claims;
    try {
      proof = SignedJWT.parse(serialized);
      claims = proof.getJWTClaimsSet();
    } catch (java.text.ParseException e) {
      return Proof.failed(OktaErrors.DPOP_UNPARSEABLE);
    }
    JWSHeader header = proof.getHeader();
    if (header.getType() == null || !"dpop+jwt".equals(header.getType().getType())) {
      return Proof.failed(OktaErrors.DPOP_TYP);
    }
    if (!ALGS.contains(header.getAlgorithm())) {
      return Proof.failed(OktaErrors.DPOP_ALG);
    }
    JWK jwk = header.getJWK();
    String jkt;
    try {
      JWSVerifier verifier = jwk == null || jwk.isPrivate() ? null : verifier(jwk);
      if (verifier == null || !proof.verify(verifier)) {
        return Proof.failed(OktaErrors.DPOP_SIGNATURE);
      }
      jkt = jwk.computeThumbprint().toString();
    } catch (JOSEException | IllegalStateException e) {
      return Proof.failed(OktaErrors.DPOP_SIGNATURE);
    }
    Object htm = claims.getClaim("htm");
    if (!method.equals(htm)) {
      return Proof.failed(OktaErrors.DPOP_HTM);
    }
    Object htu = claims.getClaim("htu");
    if (!(htu instanceof String h) || !sameUrl(h, url)) {
      return Proof.failed(OktaErrors.DPOP_HTU);
    }
    Date iat = claims.getIssueTime();
    long now = sim.now();
    if (iat == null) {
      return Proof.failed(OktaErrors.DPOP_IAT);
    }
    if (iat.getTime() > now + 5_000) {
      return Proof.failed(OktaErrors.DPOP_FUTURE);
    }
    if (iat.getTime() < now - 300_000) {
      return Proof.failed(OktaErrors.DPOP_TOO_OLD);
    }
    String jti = claims.getJWTID();
    if (jti == null || jti.isBlank()) {
      return Proof.failed(OktaErrors.DPOP_JTI);
    }
    synchronized (sim) {
      if (usedProofs.putIfAbsent(jti, iat.getTime()) != null) {
        return Proof.failed(OktaErrors.DPOP_REUSED);
      }
      if (usedProofs.size() > 200_000) {
        usedProofs.values().removeIf(t -> t < now - 300_000);
      }
    }
    Object ath = claims.getClaim("ath");
    if (accessToken != null && !ath(accessToken).equals(ath)) {
      return Proof.failed(OktaErrors.DPOP_ATH);
    }
    Object nonceClaim = claims.getClaim("nonce");
    return new Proof(null, nonceClaim instanceof String s ? s : null, jkt, ath instanceof String s ? s : null);
  }

  private static boolean sameUrl(String htu, String expected) {
    int q = htu.indexOf('?');
    String bare = q >= 0 ? htu.substring(0, q) : htu;
    String decoded = URLDecoder.decode(bare.replace("+", "%2B"), StandardCharsets.UTF_8);
    return decoded.equalsIgnoreCase(expected) || bare.equalsIgnoreCase(expected);
  }

  private static String ath(String token) {
    try {
      return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)))
          .toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- management API -----------------------------------------------------------------------

  /** Authenticates a management call (SSWS, Bearer or DPoP); null after answering an error. */
  Principal authenticate(HttpServerRequest req, String scopeHint) {
    String auth = req.headers().get("Authorization");
    for (String proof : req.headers().getAll("DPoP")) {
      sim.secrets.add(proof);
    }
    if (auth == null) {
      apiError(req, OktaErrors.INVALID_TOKEN, null, List.of(), null);
      return null;
    }
    if (auth.startsWith("SSWS ")) {
      if (sim.apiToken.equals(auth.substring(5).trim())) {
        return new Principal("api-token", null, null, SimApp.AdminRole.SUPER_ADMIN.permissions);
      }
      apiError(req, OktaErrors.INVALID_TOKEN, null, List.of(), null);
      return null;
    }
    boolean dpopScheme = auth.startsWith("DPoP ");
    if (!dpopScheme && !auth.startsWith("Bearer ")) {
      apiError(req, OktaErrors.INVALID_TOKEN, null, List.of(), null);
      return null;
    }
    String token = auth.substring(auth.indexOf(' ') + 1).trim();
    Issued issued;
    SimApp app;
    synchronized (sim) {
      issued = tokens.get(token);
      app = issued == null ? null : sim.apps.get(issued.clientId);
    }
    String base = base(req);
    if (issued == null || app == null || issued.expiresAt <= sim.now()) {
      OktaErrors.OAuth why = issued == null ? OktaErrors.TOKEN_INVALID : OktaErrors.TOKEN_EXPIRED;
      Map<String, String> h = Map.of("WWW-Authenticate", challenge(dpopScheme ? "DPoP" : "Bearer", base, scopeHint,
          why, req.path()));
      apiError(req, OktaErrors.INVALID_TOKEN, null, List.of(), h);
      return null;
    }
    if (issued.jkt != null) {
      List<String> proofs = req.headers().getAll("DPoP");
      OktaErrors.OAuth problem = null;
      if (!dpopScheme) {
        problem = OktaErrors.DPOP_SCHEME_REQUIRED;
      } else if (proofs.isEmpty()) {
        problem = OktaErrors.DPOP_PROOF_REQUIRED;
      } else if (proofs.size() > 1) {
        problem = OktaErrors.DPOP_MULTIPLE;
      } else {
        Proof proof = checkProof(proofs.get(0), req.method().name(), base + req.path(), token);
        if (proof.error != null) {
          problem = proof.error;
        } else if (!issued.jkt.equals(proof.jkt)) {
          problem = OktaErrors.DPOP_BINDING;
        } else if (needsNonce(app, proof)) {
          String current;
          synchronized (sim) {
            current = nonce;
          }
          send(req, 401, null, Map.of("WWW-Authenticate", challenge("DPoP", base, scopeHint,
              OktaErrors.RESOURCE_USE_NONCE, req.path()), "DPoP-Nonce", current));
          return null;
        }
      }
      if (problem != null) {
        send(req, 400, null, Map.of("WWW-Authenticate", challenge("DPoP", base, scopeHint, problem, req.path())));
        return null;
      }
    } else if (dpopScheme) {
      send(req, 401, null, Map.of("WWW-Authenticate", challenge("DPoP", base, scopeHint, OktaErrors.NOT_DPOP_BOUND,
          req.path())));
      return null;
    }
    Set<String> permissions;
    synchronized (sim) {
      permissions = Set.copyOf(app.permissions);
    }
    return new Principal(app.clientId, app, issued.scopes, permissions);
  }

  /** A resource call of an app that demands nonces, whose proof carries none or a stale one (RFC 9449 §9). */
  private boolean needsNonce(SimApp app, Proof proof) {
    synchronized (sim) {
      return app.resourceNonce && (proof.nonce == null || !(proof.nonce.equals(nonce) || proof.nonce.equals(previousNonce)));
    }
  }

  static String challenge(String scheme, String base, String scope, OktaErrors.OAuth error, String resource) {
    return scheme + (scheme.equals("DPoP") ? " algs=\"RS256 RS384 RS512 ES256 ES384 ES512\"," : "")
        + " authorization_uri=\"" + base + "/oauth2/v1/authorize\", realm=\"" + base + "\", scope=\"" + scope
        + "\", error=\"" + error.error() + "\", error_description=\"" + error.description() + "\", resource=\""
        + resource + "\"";
  }

  /** Checks scope and admin permission; answers 403 and returns false when missing. */
  boolean authorized(HttpServerRequest req, Principal p, String scope, String permission,
      Map<String, String> headers) {
    if (p.scopes != null && !p.scopes.contains(scope)) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put("WWW-Authenticate", challenge(p.app != null && tokensBound(p) ? "DPoP" : "Bearer", base(req), scope,
          OktaErrors.INSUFFICIENT_SCOPE, req.path()));
      apiError(req, OktaErrors.NO_PERMISSION, null, List.of(), h);
      return false;
    }
    if (!p.permissions.contains(permission)) {
      apiError(req, OktaErrors.NO_PERMISSION, null, List.of(), headers);
      return false;
    }
    return true;
  }

  boolean tokensBound(Principal p) {
    return p.app != null && p.app.dpopRequired;
  }

  private void management(HttpServerRequest req, Buffer body) {
    String path = req.path();
    String[] parts = path.split("/");
    HttpMethod m = req.method();
    SimBucket bucket;
    String scope;
    if (SimUserBlocks.matches(parts) || SimSystemLog.matches(parts)) {
      bucket = SimSystemLog.matches(parts) ? SimBucket.LOGS : SimBucket.OTHER;
      scope = SimSystemLog.matches(parts) ? "okta.logs.read" : "okta.users.read";
    } else if (parts.length == 4 && parts[3].equals("users")) {
      bucket = SimBucket.USERS;
      scope = "okta.users.read";
    } else if (parts.length == 5 && parts[3].equals("users") && m == HttpMethod.GET) {
      bucket = SimBucket.USER_READ;
      scope = "okta.users.read";
    } else if (parts.length >= 5 && parts[3].equals("users")) {
      bucket = SimBucket.USER_WRITE;
      scope = "okta.users.manage";
    } else if (parts.length >= 4 && parts[3].equals("policies")) {
      bucket = SimBucket.OTHER;
      scope = "okta.policies.read";
    } else if (parts.length >= 4 && parts[3].equals("apps")) {
      bucket = SimBucket.OTHER;
      scope = "okta.apps.read";
    } else {
      bucket = SimBucket.OTHER;
      scope = "okta.users.read";
    }
    Principal p = authenticate(req, scope);
    if (p == null) {
      return;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int share;
    synchronized (sim) {
      share = p.app == null ? 50 : p.app.sharePercent;
    }
    if (!admit(req, p.key, bucket, share, headers)) {
      return;
    }
    if (parts.length == 4 && parts[3].equals("users")) {
      if (m != HttpMethod.GET) {
        apiError(req, OktaErrors.METHOD_NOT_ALLOWED, null, List.of(), headers);
      } else if (authorized(req, p, scope, SimApp.USERS_READ, headers)) {
        listUsers(req, p, headers);
      }
      return;
    }
    if ((SimUserBlocks.matches(parts) || SimSystemLog.matches(parts)) && m == HttpMethod.GET) {
      if (authorized(req, p, scope, SimApp.USERS_READ, headers)) {
        if (SimSystemLog.matches(parts)) {
          sim.systemLog.list(this, req, base(req), System.currentTimeMillis(), headers);
        } else {
          sim.userBlocks.list(this, req, p.app, URLDecoder.decode(parts[4], StandardCharsets.UTF_8), headers);
        }
      }
      return;
    }
    if (parts.length >= 5 && parts[3].equals("users")) {
      user(req, p, parts, headers);
      return;
    }
    if (parts.length == 4 && parts[3].equals("policies") && m == HttpMethod.GET) {
      if (authorized(req, p, scope, SimApp.POLICIES_READ, headers)) {
        policies(req, headers);
      }
      return;
    }
    if (parts.length == 4 && parts[3].equals("apps") && m == HttpMethod.GET) {
      if (authorized(req, p, scope, SimApp.APPS_READ, headers)) {
        apps(req, headers);
      }
      return;
    }
    if (parts.length == 4 && parts[3].equals("sessions") && m == HttpMethod.POST) {
      createSession(req, body, headers);
      return;
    }
    apiError(req, OktaErrors.NOT_FOUND, "Resource not found: " + path, List.of(), headers);
  }

  // ---- users --------------------------------------------------------------------------------

  private void listUsers(HttpServerRequest req, Principal p, Map<String, String> headers) {
    MultiMap q = req.params();
    String filter = q.get("filter");
    String search = q.get("search");
    String prefix = q.get("q");
    String after = q.get("after");
    int limit = prefix != null ? 10 : 200;
    if (q.get("limit") != null) {
      try {
        limit = Math.max(1, Math.min(200, Integer.parseInt(q.get("limit").trim())));
      } catch (NumberFormatException e) {
        apiError(req, OktaErrors.VALIDATION, "limit", List.of(), headers);
        return;
      }
    }
    Predicate<SimUser> match = u -> true;
    long minLastUpdated = SimUser.NONE;
    String expression = search != null ? search : filter;
    if (expression != null) {
      try {
        SimFilter f = SimFilter.parse(expression, search != null);
        match = f.predicate();
        minLastUpdated = f.minLastUpdated;
      } catch (SimFilter.Invalid e) {
        apiError(req, OktaErrors.INVALID_SEARCH, null, List.of(), headers);
        return;
      }
    }
    if (prefix != null) {
      String lower = prefix.toLowerCase(Locale.ROOT);
      match = u -> starts(u.firstName, lower) || starts(u.lastName, lower) || starts(u.email, lower);
    }
    boolean withDeprovisioned = filter != null || search != null;
    StringBuilder json = new StringBuilder(limit * 900);
    String base = base(req);
    String next = null;
    synchronized (sim) {
      int start = 0;
      if (after != null) {
        int index = after.length() > 1 ? sim.users.indexOf(after.substring(1)) : -1;
        if (index < 0) {
          apiError(req, OktaErrors.INVALID_PAGING, null, List.of("Invalid cursor."), headers);
          return;
        }
        start = index + 1;
      }
      Iterator<Integer> candidates = candidates(p.app, start, minLastUpdated);
      json.append('[');
      int count = 0;
      SimUser last = null;
      boolean more = false;
      while (candidates.hasNext()) {
        int index = candidates.next();
        SimUser u = sim.users.get(index);
        if (u == null || (!withDeprovisioned && u.status.equals("DEPROVISIONED")) || !match.test(u)) {
          continue;
        }
        if (count == limit) {
          more = true;
          break;
        }
        if (count > 0) {
          json.append(',');
        }
        UserJson.listed(json, u, base, sim.users.typeId);
        last = u;
        count++;
      }
      json.append(']');
      if (more && prefix == null) {
        next = "2" + last.id;
      }
    }
    String tail = (filter != null ? "&filter=" + enc(filter) : "") + (search != null ? "&search=" + enc(search) : "")
        + (prefix != null ? "&q=" + enc(prefix) : "");
    String self = base + "/api/v1/users?" + (after != null ? "after=" + enc(after) + "&" : "") + "limit=" + limit + tail;
    Map<String, String> h = new LinkedHashMap<>(headers);
    HttpServerResponse res = req.response();
    res.headers().add("Link", "<" + self + ">; rel=\"self\"");
    if (next != null) {
      res.headers().add("Link", "<" + base + "/api/v1/users?after=" + next + "&limit=" + limit + tail + ">; rel=\"next\"");
    }
    send(req, 200, json.toString(), h);
  }

  private Iterator<Integer> candidates(SimApp app, int start, long minLastUpdated) {
    if (app != null && app.resourceSet != null) {
      return app.resourceSet.tailSet(start, true).iterator();
    }
    if (minLastUpdated != SimUser.NONE && minLastUpdated >= sim.users.asOf) {
      return sim.users.overlayIndexesAfter(start - 1).iterator();
    }
    int end = sim.users.end();
    return new Iterator<>() {
      int i = start;

      @Override
      public boolean hasNext() {
        return i < end;
      }

      @Override
      public Integer next() {
        return i++;
      }
    };
  }

  private static boolean starts(String value, String lowerPrefix) {
    return value != null && value.toLowerCase(Locale.ROOT).startsWith(lowerPrefix);
  }

  private void user(HttpServerRequest req, Principal p, String[] parts, Map<String, String> headers) {
    HttpMethod m = req.method();
    String idOrLogin = URLDecoder.decode(parts[4], StandardCharsets.UTF_8);
    String base = base(req);
    String op = parts.length == 7 && parts[5].equals("lifecycle") ? parts[6]
        : parts.length == 6 && parts[5].equals("sessions") && m == HttpMethod.DELETE ? "sessions"
        : parts.length == 5 && m == HttpMethod.GET ? "get"
        : parts.length == 5 && m == HttpMethod.DELETE ? "delete" : null;
    if (op == null || (parts.length == 7 && m != HttpMethod.POST)) {
      apiError(req, OktaErrors.NOT_FOUND, "Resource not found: " + req.path(), List.of(), headers);
      return;
    }
    String scope = op.equals("get") ? "okta.users.read" : "okta.users.manage";
    String permission = switch (op) {
      case "get" -> SimApp.USERS_READ;
      case "suspend" -> SimApp.SUSPEND;
      case "unsuspend" -> SimApp.UNSUSPEND;
      case "unlock" -> SimApp.UNLOCK;
      case "sessions" -> SimApp.CLEAR_SESSIONS;
      case "expire_password" -> SimApp.EXPIRE_PASSWORD;
      default -> SimApp.DEACTIVATE;
    };
    if (!authorized(req, p, scope, permission, headers)) {
      return;
    }
    String body;
    int status = 200;
    boolean lose;
    synchronized (sim) {
      SimUser found = sim.users.find(idOrLogin);
      if (found == null || (p.app != null && !p.app.sees(found.index))) {
        apiError(req, OktaErrors.NOT_FOUND, "Resource not found: " + idOrLogin + " (User)", List.of(), headers);
        return;
      }
      long now = sim.now();
      switch (op) {
        case "get" -> {
          StringBuilder b = new StringBuilder(2048);
          UserJson.single(b, found, base, sim.users.typeId);
          body = b.toString();
        }
        case "suspend" -> {
          if (!found.status.equals("ACTIVE")) {
            apiError(req, OktaErrors.VALIDATION, "suspendUser", List.of("Cannot suspend a user that is not active"),
                headers);
            return;
          }
          transition(found.index, "SUSPENDED", now);
          sim.counters.recordLifecycle(found.id, "suspend");
          body = "{}";
        }
        case "unsuspend" -> {
          if (!found.status.equals("SUSPENDED")) {
            apiError(req, OktaErrors.VALIDATION, "unsuspendUser",
                List.of("Cannot unsuspend a user that is not suspended"), headers);
            return;
          }
          transition(found.index, "ACTIVE", now);
          sim.counters.recordLifecycle(found.id, "unsuspend");
          body = "{}";
        }
        case "unlock" -> {
          if (!found.status.equals("LOCKED_OUT")) {
            apiError(req, OktaErrors.UNLOCK_NOT_ALLOWED, null, List.of("The user is not locked out."), headers);
            return;
          }
          transition(found.index, "ACTIVE", now);
          sim.counters.recordLifecycle(found.id, "unlock");
          body = "{}";
        }
        case "reactivate" -> {
          if (!found.status.equals("PROVISIONED")) {
            apiError(req, OktaErrors.WRONG_STATUS, null, List.of(), headers);
            return;
          }
          body = "{\"activationUrl\":\"" + base + "/welcome/" + randomToken(20) + "\"}";
        }
        case "deactivate" -> {
          if (found.status.equals("DEPROVISIONED")) {
            apiError(req, OktaErrors.WRONG_STATUS, null, List.of(), headers);
            return;
          }
          transition(found.index, "DEPROVISIONED", now);
          sim.counters.recordLifecycle(found.id, "deactivate");
          body = "{}";
        }
        case "expire_password" -> {
          if (!Set.of("ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY").contains(found.status)) {
            apiError(req, OktaErrors.WRONG_STATUS, null, List.of(), headers);
            return;
          }
          SimUser u = sim.users.mutable(found.index);
          u.status = "PASSWORD_EXPIRED";
          u.lastUpdated = now - now % 1000;
          StringBuilder b = new StringBuilder(2048);
          UserJson.single(b, u, base, sim.users.typeId);
          u.statusChanged = u.lastUpdated; // Okta shows the new statusChanged only on later reads
          sim.counters.recordLifecycle(found.id, "expire_password");
          body = b.toString();
        }
        case "sessions" -> {
          boolean oauth = "true".equalsIgnoreCase(req.params().get("oauthTokens"));
          sim.counters.recordLifecycle(found.id, oauth ? "sessions+oauthTokens" : "sessions");
          body = null;
          status = 204;
        }
        case "delete" -> {
          if (found.status.equals("DEPROVISIONED")) {
            sim.users.hardDelete(found.index);
            sim.counters.recordLifecycle(found.id, "delete");
          } else {
            transition(found.index, "DEPROVISIONED", now);
            sim.counters.recordLifecycle(found.id, "deactivate");
          }
          body = null;
          status = 204;
        }
        default -> {
          apiError(req, OktaErrors.NOT_FOUND, "Resource not found: " + req.path(), List.of(), headers);
          return;
        }
      }
      lose = !op.equals("get") && sim.faults.loseReply(op);
    }
    if (lose) {
      req.connection().close(); // the change is applied; its answer never arrives
      return;
    }
    if (status == 204) {
      headers.put("x-frame-options", "SAMEORIGIN");
    }
    send(req, status, body, headers);
  }

  private void transition(int index, String status, long now) {
    SimUser u = sim.users.mutable(index);
    long second = now - now % 1000;
    u.status = status;
    u.statusChanged = second;
    u.lastUpdated = second;
    if (!status.equals("LOCKED_OUT")) {
      u.failedAttempts = 0;
    }
  }

  private void policies(HttpServerRequest req, Map<String, String> headers) {
    List<JsonObject> all;
    int pageSize;
    synchronized (sim) {
      if (!sim.policyReadable) {
        apiError(req, OktaErrors.NO_PERMISSION, null, List.of(), headers);
        return;
      }
      JsonObject lockout = new JsonObject().put("maxAttempts", sim.maxAttempts)
          .put("autoUnlockMinutes", sim.autoUnlockMinutes).put("showLockoutFailures", sim.showLockoutFailures)
          .put("userLockoutNotificationChannels", List.of());
      all = sim.passwordPolicies.all(sim.users.seed, lockout);
      pageSize = sim.passwordPolicies.pageSize;
    }
    String type = req.params().get("type");
    if (type == null) {
      apiError(req, OktaErrors.VALIDATION, "type", List.of(), headers);
      return;
    }
    if (!type.equals("PASSWORD")) {
      send(req, 200, "[]", headers);
      return;
    }
    SimPolicies.Page page;
    try {
      page = SimPolicies.page(all, req.params().get("after"), req.params().get("limit"), pageSize);
    } catch (IllegalArgumentException badCursor) {
      apiError(req, OktaErrors.INVALID_PAGING, null, List.of("Invalid cursor."), headers);
      return;
    }
    String base = base(req) + "/api/v1/policies?type=PASSWORD&limit=" + page.limit();
    req.response().headers().add("Link", "<" + base + (page.after() == null ? "" : "&after=" + page.after())
        + ">; rel=\"self\"");
    if (page.next() != null) {
      req.response().headers().add("Link", "<" + base + "&after=" + page.next() + ">; rel=\"next\"");
    }
    send(req, 200, page.json(), headers);
  }

  private void apps(HttpServerRequest req, Map<String, String> headers) {
    String after = req.params().get("after");
    List<SimApp> all;
    synchronized (sim) {
      all = new ArrayList<>(sim.apps.values());
    }
    if (after != null && all.stream().noneMatch(a -> a.clientId.equals(after))) {
      apiError(req, OktaErrors.INVALID_PAGING, null, List.of("Invalid cursor."), headers);
      return;
    }
    StringBuilder b = new StringBuilder("[");
    for (SimApp a : all) {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(new JsonObject().put("id", a.clientId).put("name", "oidc_client").put("label", "Flare IEM")
          .put("status", "ACTIVE").put("signOnMode", "OPENID_CONNECT")
          .put("credentials", new JsonObject().put("oauthClient", new JsonObject()
              .put("client_id", a.clientId).put("token_endpoint_auth_method", "private_key_jwt")))
          .encode());
    }
    send(req, 200, b.append(']').toString(), headers);
  }

  private void createSession(HttpServerRequest req, Buffer body, Map<String, String> headers) {
    String sessionToken;
    try {
      sessionToken = new JsonObject(body.toString(StandardCharsets.UTF_8)).getString("sessionToken");
    } catch (RuntimeException e) {
      apiError(req, OktaErrors.MALFORMED_BODY, null, List.of(), headers);
      return;
    }
    String userId;
    synchronized (sim) {
      userId = sessionToken == null ? null : sessionTokens.remove(sessionToken);
    }
    if (userId == null) {
      apiError(req, OktaErrors.AUTHENTICATION_FAILED, null, List.of(), headers);
      return;
    }
    long now = sim.now();
    JsonObject session = new JsonObject().put("id", "102" + randomToken(22)).put("userId", userId)
        .put("login", sim.user(userId).map(SimUser::login).orElse(""))
        .put("createdAt", UserJson.iso(new StringBuilder(), now).toString())
        .put("expiresAt", UserJson.iso(new StringBuilder(), now + 7_200_000).toString())
        .put("status", "ACTIVE").put("amr", List.of("pwd"));
    send(req, 200, session.encode(), headers);
  }

  // ---- authn --------------------------------------------------------------------------------

  private void authn(HttpServerRequest req, Buffer body) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (req.method() != HttpMethod.POST) {
      apiError(req, OktaErrors.METHOD_NOT_ALLOWED, null, List.of(), null);
      return;
    }
    String username;
    String password;
    boolean warn;
    try {
      JsonObject json = new JsonObject(body.toString(StandardCharsets.UTF_8));
      username = json.getString("username");
      password = json.getString("password");
      JsonObject options = json.getJsonObject("options");
      warn = options != null && Boolean.TRUE.equals(options.getBoolean("warnBeforePasswordExpired"));
    } catch (RuntimeException e) {
      apiError(req, OktaErrors.MALFORMED_BODY, null, List.of(), null);
      return;
    }
    if (username == null) {
      apiError(req, OktaErrors.AUTHENTICATION_FAILED, null, List.of(), null);
      return;
    }
    boolean blocked;
    synchronized (sim) {
      sim.counters.authn(username);
      blocked = sim.threatInsight.blocks(req.remoteAddress().hostAddress());
    }
    if (blocked) {
      sim.threatInsight.refuse(this, req);
      return;
    }
    synchronized (sim) {
      // Okta allows 4 authn requests a second for one username ("Authenticate the same user:
      // /api/v1/authn, 4 per second", developer docs reference/rl2-limits) and answers the rest 429
      // E0000047. Its headers describe that throttle, not the org's authn bucket: the authn
      // reference's own 429 example carries X-Rate-Limit-Limit: 1, X-Rate-Limit-Remaining: 0 and a
      // reset in epoch seconds, which is what we send. The request never reaches the org's bucket
      // nor the password check.
      long second = System.currentTimeMillis() / 1000;
      int[] perUser = perUserAuthn.computeIfAbsent(username.toLowerCase(Locale.ROOT), k -> new int[] {0, 0});
      if (perUser[1] != (int) second) {
        perUser[0] = 0;
        perUser[1] = (int) second;
      }
      if (++perUser[0] > 4) {
        sim.counters.record429();
        headers.put("x-rate-limit-limit", "1");
        headers.put("x-rate-limit-remaining", "0");
        headers.put("x-rate-limit-reset", Long.toString(second + 1));
        apiError(req, OktaErrors.RATE_LIMITED, null, List.of(), headers);
        return;
      }
      if (perUserAuthn.size() > 100_000) {
        perUserAuthn.clear();
      }
    }
    if (password != null) {
      sim.secrets.add(password);
    }
    if (!admit(req, "anonymous", SimBucket.AUTHN, 100, headers)) {
      return;
    }
    String base = base(req);
    String response;
    String requestId = OktaErrors.requestId();
    headers.put("X-Okta-Request-Id", requestId);
    synchronized (sim) {
      SimUser found = sim.users.find(username);
      if (found == null || !Set.of("ACTIVE", "LOCKED_OUT", "PASSWORD_EXPIRED").contains(found.status)) {
        apiError(req, OktaErrors.AUTHENTICATION_FAILED, null, List.of(), headers);
        return;
      }
      SimUser u = sim.users.mutable(found.index);
      long now = sim.now();
      if (u.status.equals("LOCKED_OUT") && sim.autoUnlockMinutes > 0 && u.lockedAt != SimUser.NONE
          && now - u.lockedAt >= sim.autoUnlockMinutes * 60_000L) {
        transition(u.index, "ACTIVE", now);
      }
      SimSystemLog.Authn logged;
      if (u.status.equals("LOCKED_OUT")) {
        response = lockedOut(base);
        logged = SimSystemLog.Authn.LOCKED_OUT;
      } else if (sim.signOnPolicy.denies(u.id) || sim.userBlocks.blocksUnknownDevices(u)) {
        response = null; // 401 E0000004, as for a wrong password; see SimSignOnPolicy and SimUserBlocks
        logged = sim.signOnPolicy.denies(u.id) ? SimSystemLog.Authn.DENIED : SimSystemLog.Authn.LOCKED_OUT;
      } else if (u.password != null && u.password.equals(password)) {
        u.failedAttempts = 0;
        // "Users are challenged for MFA (MFA_REQUIRED) before PASSWORD_EXPIRED if they have an
        // active Factor enrollment" (authn reference, note above its PASSWORD_EXPIRED example)
        String state = u.status.equals("PASSWORD_EXPIRED") && !u.authnState.equals("MFA_REQUIRED") ? "PASSWORD_EXPIRED"
            : VALID_USER_STATES.contains(u.authnState) ? u.authnState : "SUCCESS";
        // PASSWORD_WARN comes only to a caller that asked for it: options.warnBeforePasswordExpired
        // "Transitions transaction to PASSWORD_WARN state before SUCCESS if the user's password is
        // about to expire" (authn reference, request parameters; default false). The simulator used
        // to answer PASSWORD_WARN whatever the request said.
        if (state.equals("PASSWORD_WARN") && !warn) {
          state = "SUCCESS";
        }
        response = transaction(base, u, state, now);
        logged = state.equals("SUCCESS") ? SimSystemLog.Authn.SUCCESS : SimSystemLog.Authn.NONE;
      } else {
        u.failedAttempts++;
        logged = SimSystemLog.Authn.INVALID;
        if (sim.maxAttempts > 0 && u.failedAttempts >= sim.maxAttempts) {
          transition(u.index, "LOCKED_OUT", now);
          u.lockedAt = now;
          response = lockedOut(base);
          logged = SimSystemLog.Authn.INVALID_AND_LOCKED;
        } else {
          response = null;
        }
      }
      sim.systemLog.authn(requestId, u, logged, req.remoteAddress() == null ? null : req.remoteAddress().host(),
          System.currentTimeMillis());
      if (response != null && response.contains("\"LOCKED_OUT\"") && !sim.showLockoutFailures) {
        response = null;
      }
    }
    if (response == null) {
      apiError(req, OktaErrors.AUTHENTICATION_FAILED, null, List.of(), headers);
    } else {
      send(req, 200, response, headers);
    }
  }

  private static String lockedOut(String base) {
    return AuthnJson.lockedOut(base);
  }

  private String transaction(String base, SimUser u, String state, long now) {
    String expiresAt = UserJson.iso(new StringBuilder(), now - now % 1000 + 300_000).toString();
    if (state.equals("SUCCESS")) {
      String sessionToken = "20111" + randomToken(52);
      sessionTokens.put(sessionToken, u.id);
      sim.secrets.add(sessionToken);
      u.lastLogin = now - now % 1000;
      return AuthnJson.success(base, u, sessionToken, expiresAt).encode();
    }
    String stateToken = "00" + randomToken(40);
    stateTokens.put(stateToken, u.id);
    sim.secrets.add(stateToken);
    if (state.equals("MFA_REQUIRED") && u.factors.isEmpty()) {
      // Okta challenges only users with an active enrollment (a user without one would be asked to
      // enroll): give such a user the commonest factor, Okta Verify TOTP
      sim.enrollFactor(u.id, "token:software:totp", "OKTA", new JsonObject().put("credentialId", u.login));
    }
    return AuthnJson.pending(base, u, state, stateToken, expiresAt, sim.passwordExpireDays(u, now)).encode();
  }

  private void cancel(HttpServerRequest req, Buffer body) {
    String stateToken;
    try {
      stateToken = new JsonObject(body.toString(StandardCharsets.UTF_8)).getString("stateToken");
    } catch (RuntimeException e) {
      apiError(req, OktaErrors.MALFORMED_BODY, null, List.of(), null);
      return;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (!admit(req, "anonymous", SimBucket.AUTHN, 100, headers)) {
      return;
    }
    boolean known;
    synchronized (sim) {
      known = stateToken != null && stateTokens.remove(stateToken) != null;
      if (known) {
        sim.counters.cancel();
      }
    }
    if (!known) {
      apiError(req, OktaErrors.INVALID_TOKEN, null, List.of(), headers);
      return;
    }
    send(req, 200, "{}", headers);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static Map<String, List<String>> form(String body) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (body == null || body.isEmpty()) {
      return out;
    }
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private static String first(Map<String, List<String>> form, String name) {
    List<String> values = form.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static String randomToken(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append(SimUsers.ALPHABET.charAt(RANDOM.nextInt(62)));
    }
    return b.toString();
  }
}
