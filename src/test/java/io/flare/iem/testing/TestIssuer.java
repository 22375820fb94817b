package io.flare.iem.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A stand-in for Flare's internal token issuer: an RSA and an EC signing key, their public JWKS
 * in a file (what {@code IEM_AUTH_JWKS} points to), and a builder for the bearer tokens callers
 * send. One per test JVM; tests that rotate keys make their own.
 */
public final class TestIssuer {

  public static final String ISSUER = "https://tokens.test.flare.invalid";
  public static final String AUDIENCE = "iem-okta";

  private static TestIssuer shared;

  private final RSAKey rsa;
  private final ECKey ec;
  private final Path jwksFile;

  private TestIssuer(Path dir) {
    try {
      rsa = new RSAKeyGenerator(2048).keyID("rsa-" + UUID.randomUUID()).keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.RS256).generate();
      ec = new ECKeyGenerator(Curve.P_256).keyID("ec-" + UUID.randomUUID()).keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.ES256).generate();
      Files.createDirectories(dir);
      jwksFile = dir.resolve("caller-jwks.json");
      writeJwks(List.of(rsa, ec));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The issuer every test service trusts by default (see {@link TestServers#config}). */
  public static synchronized TestIssuer shared() {
    if (shared == null) {
      shared = new TestIssuer(Path.of("target", "test-issuer", UUID.randomUUID().toString()));
    }
    return shared;
  }

  /** A separate issuer with its own keys and JWKS file under {@code dir}. */
  public static TestIssuer create(Path dir) {
    return new TestIssuer(dir);
  }

  public Path jwksFile() {
    return jwksFile;
  }

  /** The caller-auth environment variables of a service that trusts this issuer. */
  public Map<String, String> env() {
    return Map.of("IEM_AUTH_ISSUER", ISSUER, "IEM_AUTH_AUDIENCE", AUDIENCE, "IEM_AUTH_JWKS", jwksFile.toString());
  }

  public RSAKey rsaKey() {
    return rsa;
  }

  public ECKey ecKey() {
    return ec;
  }

  /** Publishes exactly these keys' public halves, as a rotation at the issuer would. */
  public void writeJwks(List<JWK> keys) {
    try {
      Files.writeString(jwksFile, new JWKSet(keys.stream().map(JWK::toPublicJWK).toList()).toString(true));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A token for all tenants with {@code iem.admin}: what the test harness calls with by default. */
  public String adminToken() {
    return token().tenants("*").scope("iem.admin").sign();
  }

  /** A token for {@code sub=test-caller}, valid for 5 minutes, signed RS256, for no tenant yet. */
  public Token token() {
    return new Token(this, rsa, rsa.getKeyID(), JWSAlgorithm.RS256, ISSUER, AUDIENCE, "test-caller",
        Instant.now().plus(Duration.ofMinutes(5)), List.of(), null);
  }

  /** An immutable token description; {@link #sign()} turns it into the compact JWT. */
  public record Token(TestIssuer issuer, JWK key, String kid, JWSAlgorithm alg, String iss, String aud,
      String subject, Instant expiry, List<String> tenants, Object scope) {

    public Token tenants(String... ids) {
      return new Token(issuer, key, kid, alg, iss, aud, subject, expiry, List.of(ids), scope);
    }

    /** The scope claim: a space-separated string or a list, as issuers send either. */
    public Token scope(Object value) {
      return new Token(issuer, key, kid, alg, iss, aud, subject, expiry, tenants, value);
    }

    public Token subject(String sub) {
      return new Token(issuer, key, kid, alg, iss, aud, sub, expiry, tenants, scope);
    }

    public Token issuedBy(String value) {
      return new Token(issuer, key, kid, alg, value, aud, subject, expiry, tenants, scope);
    }

    public Token audience(String value) {
      return new Token(issuer, key, kid, alg, iss, value, subject, expiry, tenants, scope);
    }

    public Token expiresAt(Instant value) {
      return new Token(issuer, key, kid, alg, iss, aud, subject, value, tenants, scope);
    }

    /** Signs with {@code signingKey} but still names {@code kid}: a forged or foreign signature. */
    public Token signedWith(JWK signingKey, String keyId, JWSAlgorithm algorithm) {
      return new Token(issuer, signingKey, keyId, algorithm, iss, aud, subject, expiry, tenants, scope);
    }

    public Token signedWithEc() {
      return signedWith(issuer.ec, issuer.ec.getKeyID(), JWSAlgorithm.ES256);
    }

    public String sign() {
      JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
          .issuer(iss)
          .audience(aud)
          .subject(subject)
          .issueTime(new Date())
          .expirationTime(Date.from(expiry))
          .jwtID(UUID.randomUUID().toString())
          .claim("tenants", tenants);
      if (scope != null) {
        claims.claim("scope", scope);
      }
      try {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(),
            claims.build());
        jwt.sign(signer(key, alg));
        return jwt.serialize();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }

    private static JWSSigner signer(JWK key, JWSAlgorithm alg) throws JOSEException {
      if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
        return new MACSigner(key.toOctetSequenceKey());
      }
      return key instanceof ECKey ecKey ? new ECDSASigner(ecKey) : new RSASSASigner(key.toRSAKey());
    }

    @Override
    public String toString() {
      return "Token[sub=" + subject + ", tenants=" + tenants + ", scope=" + scope + "]";
    }
  }
}
