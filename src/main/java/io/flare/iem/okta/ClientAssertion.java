package io.flare.iem.okta;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * The {@code private_key_jwt} client assertion Okta's token endpoint takes (okta-api.md §1.3):
 * header {@code alg} (RS256 or ES256), {@code kid} of the signing key, {@code typ: JWT}; claims
 * {@code iss} = {@code sub} = client id, {@code aud} = the token URL invoked, {@code iat} = now,
 * {@code exp} = now + {@link #LIFETIME} (well under Okta's one-hour maximum), and a {@code jti}
 * (single use at Okta). A pure function of (clock, key, claims): the same inputs give the same
 * JWT for RSA keys, so it is unit-testable with a fixed clock. The result is a secret.
 */
public final class ClientAssertion {

  /** How long an assertion is valid: long enough for clock skew, far below Okta's one hour. */
  public static final Duration LIFETIME = Duration.ofMinutes(5);

  private final JWK key;
  private final JWSAlgorithm algorithm;
  private final JWSSigner signer;

  /** Builds the signer once for {@code key} (an RSA or EC P-256 private key with a {@code kid}). */
  public ClientAssertion(JWK key) {
    this.key = key;
    try {
      if (key instanceof RSAKey rsa) {
        this.algorithm = JWSAlgorithm.RS256;
        this.signer = new RSASSASigner(rsa);
      } else if (key instanceof ECKey ec) {
        this.algorithm = JWSAlgorithm.ES256;
        this.signer = new ECDSASigner(ec);
      } else {
        throw new IllegalArgumentException("client assertion keys must be RSA or EC, got " + key.getKeyType());
      }
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable signing key " + key.getKeyID(), e);
    }
  }

  /** The claims of an assertion issued at {@code clock.instant()}. */
  public static JWTClaimsSet claims(Clock clock, String clientId, String tokenUrl, String jti) {
    Instant now = clock.instant();
    Instant iat = Instant.ofEpochSecond(now.getEpochSecond());
    return new JWTClaimsSet.Builder()
        .issuer(clientId)
        .subject(clientId)
        .audience(tokenUrl)
        .issueTime(Date.from(iat))
        .expirationTime(Date.from(iat.plus(LIFETIME)))
        .jwtID(jti)
        .build();
  }

  /** The signed, serialised assertion. */
  public String sign(Clock clock, String clientId, String tokenUrl, String jti) {
    JWSHeader header = new JWSHeader.Builder(algorithm)
        .keyID(key.getKeyID())
        .type(JOSEObjectType.JWT)
        .build();
    SignedJWT jwt = new SignedJWT(header, claims(clock, clientId, tokenUrl, jti));
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("client assertion signing failed for key " + key.getKeyID(), e);
    }
    return jwt.serialize();
  }

  /** Signs any claims with this key, the header's {@code typ} being {@code type} (a SET: {@code secevent+jwt}). */
  public String sign(JOSEObjectType type, JWTClaimsSet claims) {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).type(type).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing failed for key " + key.getKeyID(), e);
    }
    return jwt.serialize();
  }

  public String keyId() {
    return key.getKeyID();
  }

  @Override
  public String toString() {
    return "ClientAssertion[kid=" + key.getKeyID() + ", alg=" + algorithm + "]";
  }
}
