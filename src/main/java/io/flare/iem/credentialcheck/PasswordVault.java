package io.flare.iem.credentialcheck;

import io.flare.iem.keys.SecretBox;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keeps leaked passwords secret while checks wait: AES-256-GCM encryption bound to the check id,
 * and a keyed HMAC-SHA256 fingerprint per identity for dedupe. Both keys are derived from one
 * 32-byte secret ({@code IEM_PASSWORD_KEY_FILE}) with HMAC-SHA256 over distinct labels (HKDF's
 * expand step with a single block), so one Kubernetes Secret suffices and the fingerprint key can
 * never decrypt. {@link #toString()} shows no key material.
 */
public final class PasswordVault {

  private static final String ENCRYPTION_LABEL = "iem-okta/password-encryption/v1";
  private static final String FINGERPRINT_LABEL = "iem-okta/password-fingerprint/v1";

  private final SecretBox box;
  private final SecretKeySpec fingerprintKey;

  private PasswordVault(byte[] secret) {
    if (secret.length != 32) {
      throw new IllegalArgumentException("the password key must be 32 bytes, got " + secret.length);
    }
    this.box = SecretBox.derived(secret, ENCRYPTION_LABEL);
    this.fingerprintKey = new SecretKeySpec(SecretBox.derive(secret, FINGERPRINT_LABEL), "HmacSHA256");
    Arrays.fill(secret, (byte) 0);
  }

  /** A vault over a 32-byte secret (the array is wiped). */
  public static PasswordVault of(byte[] secret) {
    return new PasswordVault(secret.clone());
  }

  /** Reads the secret from a file holding 32 raw bytes or their base64. Blocking. */
  public static PasswordVault load(Path file) throws IOException {
    byte[] content = Files.readAllBytes(file);
    try {
      return new PasswordVault(parse(content));
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  /** Loads the dev-mode secret from {@code file}, generating a random one there on first use. Blocking. */
  public static PasswordVault loadOrGenerate(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, generateBase64() + "\n", StandardCharsets.US_ASCII);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system: the file keeps its default permissions
      }
    }
    return load(file);
  }

  /** A fresh random secret, base64. */
  public static String generateBase64() {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    return Base64.getEncoder().encodeToString(secret);
  }

  static byte[] parse(byte[] content) {
    if (content.length == 32) {
      return content.clone();
    }
    String text = new String(content, StandardCharsets.US_ASCII).strip();
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the password key file must hold 32 raw bytes or their base64");
    }
    if (decoded.length != 32) {
      throw new IllegalArgumentException("the password key must be 32 bytes, the file decodes to " + decoded.length);
    }
    return decoded;
  }

  /** Encrypts a password for one check ({@link SecretBox}): the check id is bound as associated data. */
  public byte[] seal(UUID checkId, String password) {
    byte[] plain = password.getBytes(StandardCharsets.UTF_8);
    try {
      return box.seal(aad(checkId), plain);
    } finally {
      SecretBox.wipe(plain);
    }
  }

  /** Decrypts what {@link #seal} produced for the same check; fails if it was altered or moved. */
  public String open(UUID checkId, byte[] sealed) {
    byte[] plain;
    try {
      plain = box.open(aad(checkId), sealed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the sealed password does not open with this key (wrong key or altered)");
    }
    try {
      return new String(plain, StandardCharsets.UTF_8);
    } finally {
      SecretBox.wipe(plain);
    }
  }

  /** The keyed fingerprint of a password for one identity: equal passwords of one identity match, nothing else. */
  public byte[] fingerprint(UUID identityId, String password) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(fingerprintKey);
      mac.update(aad(identityId));
      mac.update((byte) 0);
      byte[] plain = password.getBytes(StandardCharsets.UTF_8);
      try {
        return mac.doFinal(plain);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static byte[] aad(UUID id) {
    return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
  }

  @Override
  public String toString() {
    return "PasswordVault[AES-256-GCM, HMAC-SHA256]";
  }
}
