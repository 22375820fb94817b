package io.flare.iem.credentialcheck;

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
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keeps leaked passwords secret while checks wait: AES-256-GCM encryption bound to the check id,
 * and a keyed HMAC-SHA256 fingerprint per identity for dedupe. Both keys are derived from one
 * 32-byte secret ({@code IEM_PASSWORD_KEY_FILE}) with HMAC-SHA256 over distinct labels (HKDF's
 * expand step with a single block), so one Kubernetes Secret suffices and the fingerprint key can
 * never decrypt. {@link #toString()} shows no key material.
 */
public final class PasswordVault {

  private static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] ENCRYPTION_LABEL = "iem-okta/password-encryption/v1\u0001".getBytes(StandardCharsets.UTF_8);
  private static final byte[] FINGERPRINT_LABEL = "iem-okta/password-fingerprint/v1\u0001".getBytes(StandardCharsets.UTF_8);

  private final SecretKeySpec encryptionKey;
  private final SecretKeySpec fingerprintKey;
  private final SecureRandom random = new SecureRandom();

  private PasswordVault(byte[] secret) {
    if (secret.length != 32) {
      throw new IllegalArgumentException("the password key must be 32 bytes, got " + secret.length);
    }
    this.encryptionKey = new SecretKeySpec(derive(secret, ENCRYPTION_LABEL), "AES");
    this.fingerprintKey = new SecretKeySpec(derive(secret, FINGERPRINT_LABEL), "HmacSHA256");
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

  /** Encrypts a password for one check: version, nonce, then ciphertext and tag; the check id is bound as AAD. */
  public byte[] seal(UUID checkId, String password) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] plain = password.getBytes(StandardCharsets.UTF_8);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, encryptionKey, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad(checkId));
      byte[] sealed = cipher.doFinal(plain);
      return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /** Decrypts what {@link #seal} produced for the same check; fails if it was altered or moved. */
  public String open(UUID checkId, byte[] sealed) {
    if (sealed == null || sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
      throw new IllegalArgumentException("not a sealed password");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, encryptionKey, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
      cipher.updateAAD(aad(checkId));
      byte[] plain = cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
      try {
        return new String(plain, StandardCharsets.UTF_8);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the sealed password does not open with this key (wrong key or altered)");
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

  private static byte[] derive(byte[] secret, byte[] label) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(label);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "PasswordVault[AES-256-GCM, HMAC-SHA256]";
  }
}
