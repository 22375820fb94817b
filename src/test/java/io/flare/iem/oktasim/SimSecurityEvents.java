package io.flare.iem.oktasim;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Okta's SSF receiver, as Identity Threat Protection documents it (developer.okta.com, "SSF
 * Security Event Tokens" API, {@code publishSecurityEventTokens}; "SSF Receiver" API for the
 * provider):
 * <ul>
 *   <li>{@code POST /security/api/v1/security-events}, body a signed SET (RFC 8417),
 *       {@code Content-Type: application/secevent+jwt}; no access token: the token is verified
 *       against a Security Events Provider configured in the org with an issuer and a JWKS URL
 *       ({@link #provider}), fetched when a token arrives;
 *   <li>claims {@code iss}, {@code aud}, {@code jti}, {@code iat} required, and {@code events} with
 *       Okta's {@code https://schemas.okta.com/secevent/okta/event-type/user-risk-change}
 *       ({@code subject}, {@code current_level}, {@code previous_level}, {@code event_timestamp}
 *       required; levels {@code low|medium|high}; subject {@code user} in {@code email} format);
 *   <li>answers {@code 202 Accepted} with no body, {@code 400} with RFC 8935's
 *       {@code {"err": ..., "description": ...}} for a token it refuses.
 * </ul>
 * Not documented, modelled on RFC 8935 and the worse reading [assumption]: {@code aud} must be the
 * org URL; {@code iat} within 5 minutes of the receiver's clock; a {@code jti} seen before is
 * answered 202 again and not ingested twice. {@link SimFaults#loseReplyAfterApplying} applies with
 * operation {@code security-events} (the event is ingested, the reply lost).
 */
public final class SimSecurityEvents {

  static final String PATH = "/security/api/v1/security-events";
  static final String USER_RISK_CHANGE = "https://schemas.okta.com/secevent/okta/event-type/user-risk-change";
  private static final Set<String> LEVELS = Set.of("low", "medium", "high");
  private static final long IAT_SKEW_MILLIS = 5 * 60_000L;

  /** An event Okta ingested: who, the level it set, and the whole verified claims. */
  public record Received(String jti, String email, String currentLevel, String previousLevel, String reason,
      Map<String, Object> claims) {}

  private final OktaSimulator sim;
  private final Map<String, String> providers = new LinkedHashMap<>();
  private final Map<String, Received> received = new LinkedHashMap<>();
  private int posts;

  SimSecurityEvents(OktaSimulator sim) {
    this.sim = sim;
  }

  /** The admin creates a Security Events Provider with this issuer and JWKS URL. */
  public SimSecurityEvents provider(String issuer, String jwksUrl) {
    synchronized (sim) {
      providers.put(issuer, jwksUrl);
    }
    return this;
  }

  /** The events ingested, each jti once, in arrival order. */
  public List<Received> received() {
    synchronized (sim) {
      return List.copyOf(received.values());
    }
  }

  /** Every POST that reached the receiver (duplicates and refusals included). */
  public int posts() {
    synchronized (sim) {
      return posts;
    }
  }

  void handle(SimServer server, HttpServerRequest req, Buffer body) {
    server.count(req, req.method().name() + " " + PATH);
    synchronized (sim) {
      posts++;
    }
    if (req.method() != HttpMethod.POST) {
      server.apiError(req, OktaErrors.METHOD_NOT_ALLOWED, null, List.of(), null);
      return;
    }
    String type = req.getHeader("Content-Type");
    if (type == null || !type.startsWith("application/secevent+jwt")) {
      refuse(server, req, "invalid_request", "Content-Type must be application/secevent+jwt");
      return;
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(body.toString(StandardCharsets.UTF_8).strip());
      claims = jwt.getJWTClaimsSet();
    } catch (java.text.ParseException | RuntimeException e) {
      refuse(server, req, "invalid_request", "the body is not a signed JWT");
      return;
    }
    String jwksUrl;
    synchronized (sim) {
      jwksUrl = claims.getIssuer() == null ? null : providers.get(claims.getIssuer());
    }
    if (jwksUrl == null) {
      refuse(server, req, "invalid_issuer", "no Security Events Provider with issuer " + claims.getIssuer());
      return;
    }
    keys(jwksUrl).onComplete(ar -> {
      if (ar.failed()) {
        refuse(server, req, "invalid_key", "the provider's JWKS could not be fetched");
      } else {
        verified(server, req, jwt, claims, ar.result());
      }
    });
  }

  private Future<JWKSet> keys(String url) {
    return sim.web.getAbs(url).timeout(5000).send().compose(r -> {
      try {
        return r.statusCode() == 200 ? Future.succeededFuture(JWKSet.parse(r.bodyAsString()))
            : Future.failedFuture("HTTP " + r.statusCode());
      } catch (java.text.ParseException e) {
        return Future.failedFuture(e);
      }
    });
  }

  private void verified(SimServer server, HttpServerRequest req, SignedJWT jwt, JWTClaimsSet claims, JWKSet keys) {
    String problem = signatureProblem(jwt, keys);
    if (problem == null) {
      problem = claimsProblem(claims);
    }
    if (problem != null) {
      refuse(server, req, problem.startsWith("aud") ? "invalid_audience" : problem.startsWith("signature")
          ? "invalid_key" : "invalid_request", problem);
      return;
    }
    boolean lose;
    synchronized (sim) {
      if (!received.containsKey(claims.getJWTID())) {
        JsonObject event = new JsonObject(claims.toJSONObject()).getJsonObject("events")
            .getJsonObject(USER_RISK_CHANGE);
        received.put(claims.getJWTID(), new Received(claims.getJWTID(),
            event.getJsonObject("subject").getJsonObject("user").getString("email"), event.getString("current_level"),
            event.getString("previous_level"), event.getJsonObject("reason_admin", new JsonObject())
            .getString("en", ""), claims.toJSONObject()));
      }
      lose = sim.faults.loseReply("security-events");
    }
    if (lose) {
      req.connection().close();
      return;
    }
    req.response().setStatusCode(202).putHeader("X-Okta-Request-Id", OktaErrors.requestId()).end();
  }

  private static String signatureProblem(SignedJWT jwt, JWKSet keys) {
    String kid = jwt.getHeader().getKeyID();
    if (jwt.getHeader().getType() == null || !"secevent+jwt".equals(jwt.getHeader().getType().getType())) {
      return "typ: the header's typ must be secevent+jwt";
    }
    List<JWK> candidates = kid == null ? keys.getKeys() : new ArrayList<>();
    if (kid != null && keys.getKeyByKeyId(kid) != null) {
      candidates.add(keys.getKeyByKeyId(kid));
    }
    for (JWK key : candidates) {
      try {
        JWSVerifier verifier = SimServer.verifier(key);
        if (verifier != null && jwt.verify(verifier)) {
          return null;
        }
      } catch (com.nimbusds.jose.JOSEException | IllegalStateException e) {
        // the next key
      }
    }
    return "signature: not signed by a key of the provider's JWKS";
  }

  private String claimsProblem(JWTClaimsSet claims) {
    String org = sim.baseUrl().replaceAll("/+$", "");
    if (claims.getAudience() == null || claims.getAudience().stream().noneMatch(a -> a.replaceAll("/+$", "")
        .equals(org))) {
      return "aud: must be the org URL " + org;
    }
    if (claims.getJWTID() == null || claims.getJWTID().isBlank()) {
      return "jti is required";
    }
    if (claims.getIssueTime() == null || Math.abs(claims.getIssueTime().getTime() - sim.now()) > IAT_SKEW_MILLIS) {
      return "iat is required and must be within 5 minutes of now";
    }
    JsonObject events;
    try {
      events = new JsonObject(claims.toJSONObject()).getJsonObject("events");
    } catch (RuntimeException e) {
      return "events must be an object";
    }
    JsonObject event = events == null ? null : events.getJsonObject(USER_RISK_CHANGE);
    if (event == null) {
      return "events must hold " + USER_RISK_CHANGE;
    }
    JsonObject user = event.getJsonObject("subject", new JsonObject()).getJsonObject("user");
    if (user == null || !"email".equals(user.getString("format")) || user.getString("email", "").isBlank()) {
      return "subject.user must be in email format with an email";
    }
    if (!LEVELS.contains(event.getString("current_level", "")) || !LEVELS.contains(event.getString("previous_level",
        ""))) {
      return "current_level and previous_level must be low, medium or high";
    }
    if (!(event.getValue("event_timestamp") instanceof Number)) {
      return "event_timestamp is required (UNIX seconds)";
    }
    return null;
  }

  private void refuse(SimServer server, HttpServerRequest req, String err, String description) {
    server.send(req, 400, new JsonObject().put("err", err).put("description", description).encode(), null);
  }
}
