package io.flare.iem.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The private keys that sign our Okta client assertions, loaded from {@code IEM_SIGNING_KEY_FILE}
 * (PEM PKCS#8 blocks or a JWK set). The first key is the active one; the others are still
 * published in the JWKS, which is how a key is rotated without downtime. RSA keys must be 2048 bits
 * or more; EC keys must be P-256.
 *
 * <p>{@link #toString()} never shows key material.
 */
public final class SigningKeys {

  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private final List<JWK> keys;

  private SigningKeys(List<JWK> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no private key found");
    }
    this.keys = List.copyOf(keys);
  }

  /** The key that signs new client assertions. */
  public JWK active() {
    return keys.get(0);
  }

  /** The JWS algorithm of the active key: RS256 or ES256. */
  public JWSAlgorithm activeAlgorithm() {
    return active().getAlgorithm() instanceof JWSAlgorithm alg ? alg : JWSAlgorithm.RS256;
  }

  /** Every key's public half, with {@code kid}, {@code use: sig} and {@code alg}. */
  public JWKSet publicJwks() {
    return new JWKSet(keys.stream().map(JWK::toPublicJWK).toList());
  }

  public int size() {
    return keys.size();
  }

  /** Reads the keys from a file holding PEM blocks or a JWK set. Blocking. */
  public static SigningKeys load(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Parses PEM blocks or a JWK set. */
  public static SigningKeys parse(String text) {
    String trimmed = text.strip();
    try {
      return new SigningKeys(trimmed.startsWith("{") ? fromJwkSet(trimmed) : fromPem(trimmed));
    } catch (ParseException | GeneralSecurityException | JOSEException e) {
      throw new IllegalArgumentException("unreadable signing key: " + e.getClass().getSimpleName(), e);
    }
  }

  /**
   * Loads the dev-mode key from {@code file}, generating an RSA 2048 key there on first use so
   * that it survives restarts (Okta, or the simulator, keeps trusting our JWKS). Blocking.
   */
  public static SigningKeys loadOrGenerate(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, generatePem(), StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system: the file keeps its default permissions
      }
    }
    return load(file);
  }

  /** A fresh RSA 2048 private key as a PKCS#8 PEM block. */
  public static String generatePem() {
    try {
      RSAKey key = new RSAKeyGenerator(2048).generate();
      byte[] der = key.toPrivateKey().getEncoded();
      return "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
          + "\n-----END PRIVATE KEY-----\n";
    } catch (JOSEException e) {
      throw new IllegalStateException("RSA key generation failed", e);
    }
  }

  private static List<JWK> fromJwkSet(String json) throws ParseException, JOSEException {
    List<JWK> out = new ArrayList<>();
    for (JWK jwk : JWKSet.parse(json).getKeys()) {
      if (!jwk.isPrivate()) {
        throw new IllegalArgumentException("JWK " + jwk.getKeyID() + " has no private part");
      }
      out.add(normalise(jwk));
    }
    return out;
  }

  private static List<JWK> fromPem(String pem) throws GeneralSecurityException, JOSEException {
    List<JWK> out = new ArrayList<>();
    Matcher m = PEM_BLOCK.matcher(pem);
    while (m.find()) {
      String type = m.group(1);
      if (!type.equals("PRIVATE KEY")) {
        if (type.endsWith("PRIVATE KEY")) {
          throw new IllegalArgumentException("PEM '" + type + "' blocks are not supported; convert to PKCS#8 with"
              + " `openssl pkcs8 -topk8 -nocrypt`");
        }
        continue; // public keys and certificates are ignored: the public half is derived
      }
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      out.add(normalise(fromPkcs8(der)));
    }
    return out;
  }

  private static JWK fromPkcs8(byte[] der) throws GeneralSecurityException {
    try {
      var rsa = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA")
          .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
      return new RSAKey.Builder(pub).privateKey(rsa).build();
    } catch (GeneralSecurityException | ClassCastException notRsa) {
      var ec = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
      ECPoint point = Pkcs8.ecPublicPoint(der)
          .orElseThrow(() -> new IllegalArgumentException("EC PEM key carries no public key; export it with"
              + " `openssl pkey` or use a JWK set"));
      ECPublicKey pub = (ECPublicKey) KeyFactory.getInstance("EC")
          .generatePublic(new ECPublicKeySpec(point, ec.getParams()));
      return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), pub).privateKey(ec).build();
    }
  }

  /** Checks size and curve, and sets {@code kid} (the RFC 7638 thumbprint unless given), use and alg. */
  private static JWK normalise(JWK jwk) throws JOSEException {
    if (jwk instanceof RSAKey rsa) {
      if (rsa.size() < 2048) {
        throw new IllegalArgumentException("RSA signing keys must have at least 2048 bits, got " + rsa.size());
      }
      return new RSAKey.Builder(rsa)
          .keyID(rsa.getKeyID() != null ? rsa.getKeyID() : rsa.computeThumbprint().toString())
          .keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.RS256)
          .build();
    }
    if (jwk instanceof ECKey ec) {
      if (!Curve.P_256.equals(ec.getCurve())) {
        throw new IllegalArgumentException("EC signing keys must use P-256, got " + ec.getCurve());
      }
      return new ECKey.Builder(ec)
          .keyID(ec.getKeyID() != null ? ec.getKeyID() : ec.computeThumbprint().toString())
          .keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.ES256)
          .build();
    }
    throw new IllegalArgumentException("signing keys must be RSA or EC P-256, got " + jwk.getKeyType());
  }

  @Override
  public String toString() {
    return "SigningKeys[" + keys.stream().map(JWK::getKeyID).toList() + "]";
  }

  /** Just enough DER reading to find the public point inside a PKCS#8 EC private key (RFC 5915). */
  static final class Pkcs8 {
    private Pkcs8() {}

    static java.util.Optional<ECPoint> ecPublicPoint(byte[] pkcs8) {
      Der outer = new Der(pkcs8, 0).enter();          // PrivateKeyInfo SEQUENCE
      outer = outer.skip().skip();                      // version, AlgorithmIdentifier
      Der ecPrivateKey = outer.enter().enter();           // OCTET STRING holding ECPrivateKey SEQUENCE
      Der field = ecPrivateKey.skip().skip();           // version, privateKey
      while (field.hasMore()) {
        if (field.tag() == 0xA1) {                      // [1] publicKey BIT STRING
          byte[] bits = field.enter().enter().content();
          // bits[0] is the unused-bit count; then 0x04 || X || Y for an uncompressed point
          int len = (bits.length - 2) / 2;
          if (bits.length < 3 || bits[1] != 0x04) {
            return java.util.Optional.empty();
          }
          BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(bits, 2, 2 + len));
          BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(bits, 2 + len, 2 + 2 * len));
          return java.util.Optional.of(new ECPoint(x, y));
        }
        field = field.skip();
      }
      return java.util.Optional.empty();
    }

    /** A cursor over one DER element in a buffer that ends at {@code end}. */
    private record Der(byte[] buf, int pos, int end) {
      Der(byte[] buf, int pos) {
        this(buf, pos, buf.length);
      }

      boolean hasMore() {
        return pos < end;
      }

      int tag() {
        return buf[pos] & 0xFF;
      }

      private int lengthOffset() {
        return pos + 1;
      }

      private int length() {
        int b = buf[lengthOffset()] & 0xFF;
        if (b < 0x80) {
          return b;
        }
        int n = b & 0x7F;
        int len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (buf[lengthOffset() + 1 + i] & 0xFF);
        }
        return len;
      }

      private int contentOffset() {
        int b = buf[lengthOffset()] & 0xFF;
        return lengthOffset() + 1 + (b < 0x80 ? 0 : (b & 0x7F));
      }

      Der skip() {
        return new Der(buf, contentOffset() + length(), end);
      }

      Der enter() {
        return new Der(buf, contentOffset(), contentOffset() + length());
      }

      byte[] content() {
        return java.util.Arrays.copyOfRange(buf, pos, end);
      }
    }
  }
}
