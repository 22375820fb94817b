package io.flare.iem.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.Curve;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {

  static String resource(String name) throws Exception {
    return new String(SigningKeysTest.class.getResourceAsStream("/keys/" + name).readAllBytes());
  }

  @Test
  void rsa_pkcs8_pem_is_published_with_kid_use_and_alg_and_no_private_part() {
    SigningKeys keys = SigningKeys.parse(SigningKeys.generatePem());
    JWKSet published = keys.publicJwks();
    assertThat(published.getKeys()).hasSize(1);
    JWK jwk = published.getKeys().get(0);
    assertThat(jwk).isInstanceOf(RSAKey.class);
    assertThat(jwk.isPrivate()).isFalse();
    assertThat(jwk.getKeyID()).isNotBlank();
    assertThat(jwk.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
    assertThat(jwk.getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
    Map<String, Object> json = published.toJSONObject(true);
    assertThat(json.toString()).doesNotContain("\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\"");
    assertThat(keys.toString()).doesNotContain("PRIVATE").contains(jwk.getKeyID());
  }

  @Test
  void openssl_ec_p256_pem_is_read_with_its_public_point() throws Exception {
    SigningKeys keys = SigningKeys.parse(resource("ec-p256.pem"));
    assertThat(keys.activeAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    ECKey pub = (ECKey) keys.publicJwks().getKeys().get(0);
    assertThat(pub.getCurve()).isEqualTo(Curve.P_256);
    ECKey priv = (ECKey) keys.active();
    // the derived public point belongs to the private key: a signature verifies
    var signer = new com.nimbusds.jose.crypto.ECDSASigner(priv);
    var jws = new com.nimbusds.jose.JWSObject(new com.nimbusds.jose.JWSHeader(JWSAlgorithm.ES256),
        new com.nimbusds.jose.Payload("x"));
    jws.sign(signer);
    assertThat(jws.verify(new com.nimbusds.jose.crypto.ECDSAVerifier(pub))).isTrue();
  }

  @Test
  void several_keys_are_all_published_and_the_first_is_active() throws Exception {
    String pem = SigningKeys.generatePem() + "\n" + resource("ec-p256.pem");
    SigningKeys keys = SigningKeys.parse(pem);
    assertThat(keys.size()).isEqualTo(2);
    assertThat(keys.active()).isInstanceOf(RSAKey.class);
    assertThat(keys.publicJwks().getKeys()).extracting(JWK::getKeyID).doesNotHaveDuplicates().hasSize(2);
  }

  @Test
  void jwk_set_with_private_keys_is_accepted_and_a_public_only_one_refused() throws Exception {
    ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("rotating-2026").generate();
    SigningKeys keys = SigningKeys.parse(new JWKSet(ec).toString(false));
    assertThat(keys.active().getKeyID()).isEqualTo("rotating-2026");
    assertThatThrownBy(() -> SigningKeys.parse(new JWKSet(ec.toPublicJWK()).toString()))
        .hasMessageContaining("no private part");
  }

  @Test
  void short_rsa_keys_other_curves_and_pkcs1_blocks_are_refused() throws Exception {
    assertThatThrownBy(() -> SigningKeys.parse(resource("rsa-1024.pem"))).hasMessageContaining("at least 2048 bits");
    assertThatThrownBy(() -> SigningKeys.parse(resource("ec-p384.pem"))).hasMessageContaining("P-256");
    assertThatThrownBy(() -> SigningKeys.parse(resource("rsa-pkcs1.pem"))).hasMessageContaining("openssl pkcs8");
    assertThatThrownBy(() -> SigningKeys.parse("nothing here")).hasMessageContaining("no private key");
  }

  @Test
  void dev_key_is_generated_once_and_kept(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("dev/signing-key.pem");
    SigningKeys first = SigningKeys.loadOrGenerate(file);
    SigningKeys again = SigningKeys.loadOrGenerate(file);
    assertThat(again.active().getKeyID()).isEqualTo(first.active().getKeyID());
    assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
  }
}
