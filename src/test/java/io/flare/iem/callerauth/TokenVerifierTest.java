package io.flare.iem.callerauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.flare.iem.config.CallerAuthConfig;
import io.flare.iem.failure.Failure;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.testing.TestIssuer;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Bearer-token verification, on its own: keys from a list the test controls, time from a fixed clock. */
class TokenVerifierTest {

  static final TestIssuer issuer = TestIssuer.create(Path.of("target", "token-verifier-test"));
  static final CallerAuthConfig CONFIG = new CallerAuthConfig(TestIssuer.ISSUER, TestIssuer.AUDIENCE,
      new CallerAuthConfig.Jwks(Optional.of(Path.of("unused")), Optional.empty()), Duration.ofSeconds(60));

  final MutableClock clock = new MutableClock(Instant.now());
  final List<JWK> published = new ArrayList<>(List.of(issuer.rsaKey().toPublicJWK(), issuer.ecKey().toPublicJWK()));
  int reads;
  boolean issuerDown;
  final IssuerKeys keys = new IssuerKeys(new IssuerKeys.Source() {
    @Override
    public Future<String> fetch() {
      reads++;
      return issuerDown ? Future.failedFuture("issuer down") : Future.succeededFuture(new JWKSet(published).toString());
    }

    @Override
    public String describe() {
      return "test";
    }
  }, clock, Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(1));
  final TokenVerifier verifier = new TokenVerifier(keys, CONFIG, clock);

  @Test
  void a_good_token_yields_its_subject_tenants_and_scopes() {
    String token = issuer.token().subject("svc-leaks").tenants("acme", "globex").scope("iem.read  iem.admin").sign();

    Caller caller = Await.result(verifier.verify(token));

    assertThat(caller).isEqualTo(new Caller("svc-leaks", Set.of("acme", "globex"), Set.of("iem.read", "iem.admin")));
    assertThat(caller.isAdmin()).isTrue();
  }

  @Test
  void a_token_without_tenants_acts_for_none() {
    Caller caller = Await.result(verifier.verify(issuer.token().sign()));

    assertThat(caller.tenants()).isEmpty();
    assertThat(caller.mayActFor("acme")).isFalse();
  }

  @Test
  void the_clock_skew_is_sixty_seconds_either_side_of_expiry() {
    Instant expiry = clock.instant();
    String token = issuer.token().tenants("acme").expiresAt(expiry).sign();

    clock.advance(Duration.ofSeconds(59));
    assertThat(Await.result(verifier.verify(token)).subject()).isEqualTo("test-caller");

    clock.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> Await.result(verifier.verify(token))).satisfies(unauthenticated("has expired"));
  }

  @Test
  void a_tenants_claim_that_is_not_an_array_of_strings_is_refused() {
    var claims = new JWTClaimsSet.Builder().issuer(TestIssuer.ISSUER).audience(TestIssuer.AUDIENCE)
        .subject("x").expirationTime(java.util.Date.from(clock.instant().plusSeconds(60))).claim("tenants", "acme");
    String stringTenants = sign(claims.build());

    assertThatThrownBy(() -> Await.result(verifier.verify(stringTenants)))
        .satisfies(unauthenticated("tenants claim must be an array of strings"));
  }

  @Test
  void an_unsigned_token_is_refused() {
    String plain = new PlainJWT(new JWTClaimsSet.Builder().issuer(TestIssuer.ISSUER).subject("x").build()).serialize();

    assertThatThrownBy(() -> Await.result(verifier.verify(plain))).satisfies(unauthenticated("not a well-formed signed JWT"));
  }

  @Test
  void an_es256_token_over_p384_is_refused() throws Exception {
    ECKey p384 = new ECKeyGenerator(Curve.P_384).keyID(issuer.ecKey().getKeyID()).generate();
    String token = issuer.token().signedWith(p384, p384.getKeyID(), JWSAlgorithm.ES384).sign();

    assertThatThrownBy(() -> Await.result(verifier.verify(token))).satisfies(unauthenticated("RS256 or ES256"));
  }

  @Test
  void a_key_the_issuer_rotated_in_is_fetched_when_a_token_names_it() throws Exception {
    Await.result(keys.load());
    ECKey rotatedIn = new ECKeyGenerator(Curve.P_256).keyID("2026-02").generate();
    published.add(rotatedIn.toPublicJWK());
    String token = issuer.token().tenants("acme").signedWith(rotatedIn, "2026-02", JWSAlgorithm.ES256).sign();
    clock.advance(Duration.ofSeconds(31));

    assertThat(Await.result(verifier.verify(token)).tenants()).containsExactly("acme");
    assertThat(reads).isEqualTo(2);
  }

  @Test
  void a_key_removed_from_the_jwks_stops_verifying_within_one_refresh_interval_even_while_remembered() {
    Await.result(keys.load());
    Instant expiry = clock.instant().plus(Duration.ofHours(2));
    String remembered = issuer.token().tenants("acme").expiresAt(expiry).sign();
    assertThat(Await.result(verifier.verify(remembered)).tenants()).containsExactly("acme");
    published.remove(0); // the issuer retires the RSA key; its kid is still in our cached set

    clock.advance(Duration.ofMinutes(9));
    assertThat(Await.result(verifier.verify(remembered)).tenants()).as("within the interval").containsExactly("acme");
    clock.advance(Duration.ofMinutes(2)); // past the 10-minute refresh interval: the first call re-reads

    assertThatThrownBy(() -> Await.result(verifier.verify(remembered))).satisfies(unauthenticated("kid"));
    String fresh = issuer.token().tenants("acme").expiresAt(expiry).sign();
    assertThatThrownBy(() -> Await.result(verifier.verify(fresh))).satisfies(unauthenticated("kid"));
    assertThat(Await.result(verifier.verify(issuer.token().tenants("acme").expiresAt(expiry).signedWithEc().sign()))
        .tenants()).as("the key still published").containsExactly("acme");
  }

  @Test
  void an_unfetchable_jwks_past_the_staleness_bound_refuses_as_unavailable_and_before_it_still_verifies() {
    Await.result(keys.load());
    String token = issuer.token().tenants("acme").expiresAt(clock.instant().plus(Duration.ofHours(3))).sign();
    Await.result(verifier.verify(token));
    issuerDown = true;

    clock.advance(Duration.ofMinutes(30));
    assertThat(Await.result(verifier.verify(token)).tenants()).as("30 minutes stale").containsExactly("acme");
    clock.advance(Duration.ofMinutes(29));
    assertThat(Await.result(verifier.verify(token)).tenants()).as("59 minutes stale").containsExactly("acme");

    clock.advance(Duration.ofMinutes(2));
    assertThatThrownBy(() -> Await.result(verifier.verify(token)))
        .isInstanceOfSatisfying(Failure.Unavailable.class, e -> assertThat(e.getMessage()).contains("could not be read"));
    String fresh = issuer.token().tenants("acme").expiresAt(clock.instant().plus(Duration.ofHours(1))).sign();
    assertThatThrownBy(() -> Await.result(verifier.verify(fresh))).isInstanceOf(Failure.Unavailable.class);

    issuerDown = false;
    clock.advance(Duration.ofMinutes(1));
    assertThat(Await.result(verifier.verify(token)).tenants()).containsExactly("acme");
  }

  @Test
  void a_verified_token_is_valid_until_its_expiry_plus_the_clock_skew() {
    Instant expiry = clock.instant().plus(Duration.ofMinutes(5));
    String token = issuer.token().tenants("acme").expiresAt(expiry).sign();

    Authenticated first = Await.result(verifier.authenticate(token));
    Authenticated remembered = Await.result(verifier.authenticate(token));

    assertThat(first.validUntil()).isEqualTo(expiry.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        .plusSeconds(60));
    assertThat(remembered).isEqualTo(first);
  }

  @Test
  void a_token_that_verified_is_not_verified_again_but_still_expires() {
    Instant expiry = clock.instant().plus(Duration.ofMinutes(5));
    String token = issuer.token().tenants("acme").expiresAt(expiry).sign();

    for (int i = 0; i < 5; i++) {
      assertThat(Await.result(verifier.verify(token)).tenants()).containsExactly("acme");
    }
    assertThat(verifier.signatureChecks()).as("one signature check for five calls").isEqualTo(1);

    clock.advance(Duration.ofMinutes(7)); // past exp and the skew
    assertThatThrownBy(() -> Await.result(verifier.verify(token))).satisfies(unauthenticated("has expired"));
  }

  @Test
  void a_remembered_token_does_not_vouch_for_a_tampered_copy() {
    String token = issuer.token().tenants("acme").sign();
    Await.result(verifier.verify(token));
    String[] parts = token.split("\\.");
    String otherTenant = new String(java.util.Base64.getUrlDecoder().decode(parts[1]),
        java.nio.charset.StandardCharsets.UTF_8).replace("\"acme\"", "\"evil\"");
    String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString(otherTenant.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];

    assertThatThrownBy(() -> Await.result(verifier.verify(tampered))).satisfies(unauthenticated("signature"));
    assertThat(verifier.signatureChecks()).isEqualTo(2);
  }

  @Test
  void a_token_not_yet_valid_is_refused_and_not_remembered() {
    String early = sign(new JWTClaimsSet.Builder().issuer(TestIssuer.ISSUER).audience(TestIssuer.AUDIENCE)
        .subject("x").expirationTime(java.util.Date.from(clock.instant().plus(Duration.ofMinutes(10))))
        .notBeforeTime(java.util.Date.from(clock.instant().plus(Duration.ofMinutes(5)))).build());

    assertThatThrownBy(() -> Await.result(verifier.verify(early))).satisfies(unauthenticated("not valid yet"));
    assertThatThrownBy(() -> Await.result(verifier.verify(early))).satisfies(unauthenticated("not valid yet"));
    assertThat(verifier.signatureChecks()).isEqualTo(2);
  }

  @Test
  void failures_never_quote_the_token() {
    String token = issuer.token().audience("elsewhere").sign();

    assertThatThrownBy(() -> Await.result(verifier.verify(token)))
        .satisfies(unauthenticated("audience"))
        .satisfies(e -> assertThat(e.toString()).doesNotContain(token.substring(token.lastIndexOf('.') + 1)));
    assertThat(verifier.toString()).doesNotContain("BEGIN").contains(TestIssuer.ISSUER);
  }

  private String sign(JWTClaimsSet claims) {
    try {
      var jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(JWSAlgorithm.RS256)
          .keyID(issuer.rsaKey().getKeyID()).build(), claims);
      jwt.sign(new com.nimbusds.jose.crypto.RSASSASigner(issuer.rsaKey()));
      return jwt.serialize();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static java.util.function.Consumer<Throwable> unauthenticated(String message) {
    return error -> assertThat(error).isInstanceOf(Failure.Unauthenticated.class).hasMessageContaining(message);
  }
}
