package io.flare.iem.keys;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticated encryption of secrets kept at rest: AES-256-GCM with a fresh 96-bit nonce per
 * seal, and associated data that binds a ciphertext to the row it belongs to, so one moved to
 * another row (another check, another tenant) does not open. Format: version byte, nonce, then
 * ciphertext and tag. Keys are derived from an operator-held secret with HMAC-SHA256 over a label
 * (HKDF's expand step with one block), one label per use. {@link #toString()} shows no key.
 */
public final class SecretBox {

  private static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  private SecretBox(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** The box whose key is derived from {@code secret} for {@code label}. */
  public static SecretBox derived(byte[] secret, String label) {
    return new SecretBox(derive(secret, label));
  }

  /** HMAC-SHA256 of {@code label} under {@code secret}: 32 bytes, a distinct key per label. */
  public static byte[] derive(byte[] secret, String label) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal((label + "\u0001").getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Encrypts {@code plain} bound to {@code aad}. */
  public byte[] seal(byte[] aad, byte[] plain) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
      byte[] sealed = cipher.doFinal(plain);
      return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /**
   * Decrypts what {@link #seal} produced with the same key and {@code aad}; the caller wipes the
   * result. Fails with {@link IllegalArgumentException} if it was altered, moved or sealed with
   * another key.
   */
  public byte[] open(byte[] aad, byte[] sealed) {
    if (sealed == null || sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
      throw new IllegalArgumentException("not a sealed secret");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
      cipher.updateAAD(aad);
      return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the sealed secret does not open with this key (wrong key, altered or moved)");
    }
  }

  /** Wipes a secret's bytes. */
  public static void wipe(byte[] secret) {
    if (secret != null) {
      Arrays.fill(secret, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "SecretBox[AES-256-GCM]";
  }
}
