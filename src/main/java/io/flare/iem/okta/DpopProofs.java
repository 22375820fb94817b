package io.flare.iem.okta;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Date;
import java.util.UUID;

/**
 * DPoP proofs (RFC 9449) signed with a key of their own, separate from the client-assertion key as
 * Okta requires: an EC P-256 key generated per process. Every proof has a fresh {@code jti}; API
 * calls add {@code ath} = base64url(SHA-256(access token)). Proofs are secrets.
 */
public final class DpopProofs {

  private final ECKey key;
  private final ECDSASigner signer;
  private final Clock clock;

  private DpopProofs(ECKey key, Clock clock) {
    this.key = key;
    this.clock = clock;
    try {
      this.signer = new ECDSASigner(key);
    } catch (JOSEException e) {
      throw new IllegalStateException("DPoP signer", e);
    }
  }

  /** A fresh ephemeral P-256 key. */
  public static DpopProofs generate(Clock clock) {
    try {
      return new DpopProofs(new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate(), clock);
    } catch (JOSEException e) {
      throw new IllegalStateException("DPoP key generation failed", e);
    }
  }

  /** The JWK SHA-256 thumbprint of the public key ({@code cnf.jkt} of bound tokens). */
  public String thumbprint() {
    try {
      return key.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A proof for {@code method} on {@code url} (query and fragment are dropped, the path is
   * percent-decoded as Okta compares it), with {@code nonce} and {@code accessToken} when not null.
   */
  public String proof(String method, URI url, String nonce, String accessToken) {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .claim("htm", method)
        .claim("htu", htu(url))
        .issueTime(new Date(clock.millis() / 1000 * 1000))
        .jwtID(UUID.randomUUID().toString());
    if (nonce != null) {
      claims.claim("nonce", nonce);
    }
    if (accessToken != null) {
      claims.claim("ath", ath(accessToken));
    }
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256)
        .type(new JOSEObjectType("dpop+jwt"))
        .jwk(key.toPublicJWK())
        .build();
    SignedJWT jwt = new SignedJWT(header, claims.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("DPoP proof signing failed", e);
    }
    return jwt.serialize();
  }

  /** {@code htu}: scheme, authority and decoded path. */
  public static String htu(URI url) {
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    return url.getScheme() + "://" + url.getRawAuthority() + URLDecoder.decode(path.replace("+", "%2B"),
        StandardCharsets.UTF_8);
  }

  /** {@code ath}: base64url(SHA-256(ASCII(token))). */
  public static String ath(String accessToken) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.US_ASCII));
      return Base64URL.encode(hash).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "DpopProofs[kid=" + key.getKeyID() + "]";
  }
}
