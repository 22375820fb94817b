package io.flare.iem.callerauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.flare.iem.config.CallerAuthConfig;
import io.flare.iem.failure.Failure;
import io.vertx.core.Future;
import java.security.Key;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verifies a caller's bearer JWT: RS256 or ES256 only, signed by a key of the issuer's JWKS,
 * {@code iss} and {@code aud} as configured, not expired (within the clock skew), with a
 * {@code sub}. Yields the {@link Caller} its {@code tenants} and {@code scope} claims describe.
 * Failures are {@link Failure.Unauthenticated} saying what is wrong; they never quote the token.
 *
 * <p>A caller sends the same token for its whole life, so a token that verified is remembered, by
 * its exact text, together with the key set it verified against: while that key set is still the
 * issuer's current one, the token is not parsed or its signature checked again, only its
 * {@code exp} and {@code nbf} against the clock. A refresh of the issuer's keys forgets every
 * remembered token (a key rotated out stops working as before). Only tokens that verified are
 * remembered, at most {@value #MAX_REMEMBERED}.
 */
public final class TokenVerifier {

  static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
  private static final int MAX_TOKEN_LENGTH = 16 * 1024;
  static final int MAX_REMEMBERED = 10_000;

  /** A token that verified: who it speaks for, the key set that verified it and its validity. */
  private record Verified(Caller caller, JWKSet keys, Instant expires, Instant notBefore) {}

  private final IssuerKeys keys;
  private final String issuer;
  private final String audience;
  private final Duration clockSkew;
  private final Clock clock;
  private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();
  private final Map<String, Verified> remembered = new ConcurrentHashMap<>();
  private final AtomicLong signatureChecks = new AtomicLong();

  public TokenVerifier(IssuerKeys keys, CallerAuthConfig config, Clock clock) {
    this.keys = keys;
    this.issuer = config.issuer();
    this.audience = config.audience();
    this.clockSkew = config.clockSkew();
    this.clock = clock;
  }

  /** The caller the token speaks for, or a failed future with {@link Failure.Unauthenticated}. */
  public Future<Caller> verify(String token) {
    return authenticate(token).map(Authenticated::caller);
  }

  /**
   * The caller the token speaks for and until when: a failed future with
   * {@link Failure.Unauthenticated} when the token is not good, or with {@link Failure.Unavailable}
   * when the issuer's keys cannot be trusted now (see {@link IssuerKeys}).
   */
  public Future<Authenticated> authenticate(String token) {
    Verified known = token == null ? null : remembered.get(token);
    if (known != null) {
      return keys.keys().compose(set -> {
        if (set != known.keys()) {
          remembered.remove(token, known);
          return verifyFully(token);
        }
        try {
          return Future.succeededFuture(authenticated(timely(known)));
        } catch (Failure.Unauthenticated e) {
          remembered.remove(token, known);
          return Future.failedFuture(e);
        }
      });
    }
    return verifyFully(token);
  }

  private Future<Authenticated> verifyFully(String token) {
    SignedJWT jwt;
    try {
      jwt = parse(token);
    } catch (Failure.Unauthenticated e) {
      return Future.failedFuture(e);
    }
    return keys.keys()
        .compose(set -> candidates(jwt.getHeader(), set).isEmpty() ? keys.refreshForUnknownKey()
            : Future.succeededFuture(set))
        .map(set -> {
          Verified verified = verified(jwt, set);
          if (remembered.size() >= MAX_REMEMBERED) {
            remembered.clear(); // more live tokens than callers plausibly hold: start over
          }
          remembered.put(token, verified);
          return authenticated(verified);
        });
  }

  /** How many signatures were checked; for tests. */
  long signatureChecks() {
    return signatureChecks.get();
  }

  private static SignedJWT parse(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      throw invalid("the bearer token is empty or too long");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException | RuntimeException e) {
      throw invalid("the bearer token is not a well-formed signed JWT");
    }
    if (!ALGORITHMS.contains(jwt.getHeader().getAlgorithm())) {
      throw invalid("the bearer token must be signed with RS256 or ES256");
    }
    return jwt;
  }

  private Verified verified(SignedJWT jwt, JWKSet set) {
    List<? extends Key> candidates = candidates(jwt.getHeader(), set);
    if (candidates.isEmpty()) {
      throw invalid("the bearer token's signing key (kid) is not among the issuer's keys");
    }
    if (!signedByAnyOf(jwt, candidates)) {
      throw invalid("the bearer token's signature does not verify");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw invalid("the bearer token's claims are not a JSON object");
    }
    return timelyWhenVerified(claims, set);
  }

  private static List<? extends Key> candidates(JWSHeader header, JWKSet set) {
    try {
      return new JWSVerificationKeySelector<SecurityContext>(ALGORITHMS, new ImmutableJWKSet<>(set))
          .selectJWSKeys(header, null);
    } catch (KeySourceException e) {
      return List.of();
    }
  }

  private boolean signedByAnyOf(SignedJWT jwt, List<? extends Key> candidates) {
    signatureChecks.incrementAndGet();
    for (Key key : candidates) {
      try {
        JWSVerifier verifier = verifiers.createJWSVerifier(jwt.getHeader(), key);
        if (jwt.verify(verifier)) {
          return true;
        }
      } catch (JOSEException | IllegalStateException e) {
        // a key of the wrong shape for this algorithm: try the next one
      }
    }
    return false;
  }

  private Verified timelyWhenVerified(JWTClaimsSet claims, JWKSet set) {
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw invalid("the bearer token has no exp claim");
    }
    Date nbf = claims.getNotBeforeTime();
    Instant notBefore = nbf == null ? null : nbf.toInstant();
    checkTime(exp.toInstant(), notBefore);
    return new Verified(caller(claims), set, exp.toInstant(), notBefore);
  }

  /** A remembered token, if it is still within its validity. */
  private Verified timely(Verified token) {
    checkTime(token.expires(), token.notBefore());
    return token;
  }

  private Authenticated authenticated(Verified token) {
    return new Authenticated(token.caller(), token.expires().plus(clockSkew));
  }

  /** Throws unless now is within [nbf, exp], with the clock skew either side. */
  private void checkTime(Instant expires, Instant notBefore) {
    Instant now = clock.instant();
    if (now.minus(clockSkew).isAfter(expires)) {
      throw invalid("the bearer token has expired");
    }
    if (notBefore != null && now.plus(clockSkew).isBefore(notBefore)) {
      throw invalid("the bearer token is not valid yet (nbf)");
    }
  }

  private Caller caller(JWTClaimsSet claims) {
    if (!issuer.equals(claims.getIssuer())) {
      throw invalid("the bearer token's issuer (iss) is not the trusted issuer");
    }
    if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
      throw invalid("the bearer token's audience (aud) does not include '" + audience + "'");
    }
    String subject = claims.getSubject();
    if (subject == null || subject.isBlank()) {
      throw invalid("the bearer token has no sub claim");
    }
    return new Caller(subject, tenants(claims), scopes(claims));
  }

  private static Set<String> tenants(JWTClaimsSet claims) {
    Object value = claims.getClaim("tenants");
    if (value == null) {
      return Set.of();
    }
    if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
      throw invalid("the bearer token's tenants claim must be an array of strings");
    }
    return Set.copyOf(list.stream().map(String.class::cast).toList());
  }

  private static Set<String> scopes(JWTClaimsSet claims) {
    Object value = claims.getClaim("scope");
    Set<String> scopes = new LinkedHashSet<>();
    if (value == null) {
      return Set.of();
    }
    if (value instanceof String text) {
      for (String scope : text.trim().split("\\s+")) {
        if (!scope.isEmpty()) {
          scopes.add(scope);
        }
      }
    } else if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
      list.forEach(scope -> scopes.add((String) scope));
    } else {
      throw invalid("the bearer token's scope claim must be a space-separated string or an array of strings");
    }
    return Set.copyOf(scopes);
  }

  private static Failure.Unauthenticated invalid(String message) {
    return new Failure.Unauthenticated("INVALID_TOKEN", message);
  }

  @Override
  public String toString() {
    return "TokenVerifier[issuer=" + issuer + ", audience=" + audience + ", keys=" + keys + "]";
  }
}
