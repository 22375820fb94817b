package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sealing waiting passwords (AES-256-GCM bound to the check) and fingerprinting them (keyed HMAC per identity). */
class PasswordVaultTest {

  static final byte[] SECRET = new byte[32];
  static final UUID CHECK = UUID.randomUUID();
  static final UUID IDENTITY = UUID.randomUUID();

  static {
    for (int i = 0; i < 32; i++) {
      SECRET[i] = (byte) i;
    }
  }

  @Test
  void a_sealed_password_opens_for_its_check_only_and_hides_the_plaintext() {
    PasswordVault vault = PasswordVault.of(SECRET);
    byte[] sealed = vault.seal(CHECK, "Correct-Horse-42!");

    assertThat(vault.open(CHECK, sealed)).isEqualTo("Correct-Horse-42!");
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("Correct-Horse");
    assertThat(vault.seal(CHECK, "Correct-Horse-42!")).isNotEqualTo(sealed); // a fresh nonce each time
    assertThatThrownBy(() -> vault.open(UUID.randomUUID(), sealed)).isInstanceOf(IllegalArgumentException.class);
    byte[] altered = sealed.clone();
    altered[altered.length - 1] ^= 1;
    assertThatThrownBy(() -> vault.open(CHECK, altered)).isInstanceOf(IllegalArgumentException.class);
    byte[] other = SECRET.clone();
    other[0] = 99;
    assertThatThrownBy(() -> PasswordVault.of(other).open(CHECK, sealed)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fingerprints_match_for_one_identity_and_password_only() {
    PasswordVault vault = PasswordVault.of(SECRET);
    byte[] fp = vault.fingerprint(IDENTITY, "hunter2");

    assertThat(vault.fingerprint(IDENTITY, "hunter2")).isEqualTo(fp).hasSize(32);
    assertThat(vault.fingerprint(IDENTITY, "hunter3")).isNotEqualTo(fp);
    assertThat(vault.fingerprint(UUID.randomUUID(), "hunter2")).isNotEqualTo(fp);
    byte[] other = SECRET.clone();
    other[31] = 0;
    assertThat(PasswordVault.of(other).fingerprint(IDENTITY, "hunter2")).isNotEqualTo(fp);
  }

  @Test
  void the_key_file_holds_32_raw_bytes_or_their_base64(@TempDir Path dir) throws Exception {
    Path raw = Files.write(dir.resolve("raw.key"), SECRET);
    Path b64 = Files.writeString(dir.resolve("b64.key"), Base64.getEncoder().encodeToString(SECRET) + "\n");
    Path bad = Files.writeString(dir.resolve("bad.key"), "too short");
    byte[] sealed = PasswordVault.load(raw).seal(CHECK, "pw");

    assertThat(PasswordVault.load(b64).open(CHECK, sealed)).isEqualTo("pw");
    assertThatThrownBy(() -> PasswordVault.load(bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32");
    assertThat(PasswordVault.load(raw).toString()).doesNotContain(Base64.getEncoder().encodeToString(SECRET));
  }

  @Test
  void dev_mode_generates_a_key_once_and_keeps_it(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("dev").resolve("password.key");
    byte[] sealed = PasswordVault.loadOrGenerate(file).seal(CHECK, "pw");

    assertThat(PasswordVault.loadOrGenerate(file).open(CHECK, sealed)).isEqualTo("pw");
  }
}
