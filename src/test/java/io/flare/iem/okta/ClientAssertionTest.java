package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.flare.iem.keys.SigningKeys;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAssertionTest {

  static final Clock FIXED = Clock.fixed(Instant.parse("2026-03-12T04:57:45.678Z"), ZoneOffset.UTC);
  static final String TOKEN_URL = "https://acme.okta.com/oauth2/v1/token";
  static final String CLIENT = "0oa1b2c3d4E5f6G7h8i9";
  final SigningKeys keys = SigningKeys.parse(SigningKeys.generatePem());

  @Test
  void claims_and_header_follow_okta_private_key_jwt() throws Exception {
    String jwt = new ClientAssertion(keys.active()).sign(FIXED, CLIENT, TOKEN_URL, "jti-1");

    SignedJWT parsed = SignedJWT.parse(jwt);
    assertThat(parsed.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
    assertThat(parsed.getHeader().getKeyID()).isEqualTo(keys.active().getKeyID());
    assertThat(parsed.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    var claims = parsed.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo(CLIENT);
    assertThat(claims.getSubject()).isEqualTo(CLIENT);
    assertThat(claims.getAudience()).isEqualTo(List.of(TOKEN_URL));
    assertThat(claims.getJWTID()).isEqualTo("jti-1");
    assertThat(claims.getIssueTime()).isEqualTo(Date.from(Instant.parse("2026-03-12T04:57:45Z")));
    assertThat(claims.getExpirationTime()).isEqualTo(Date.from(Instant.parse("2026-03-12T05:02:45Z")));
    assertThat(parsed.verify(new RSASSAVerifier(((RSAKey) keys.active()).toRSAPublicKey()))).isTrue();
  }

  @Test
  void is_a_pure_function_of_clock_key_and_claims() {
    ClientAssertion assertion = new ClientAssertion(keys.active());
    assertThat(assertion.sign(FIXED, CLIENT, TOKEN_URL, "a")).isEqualTo(assertion.sign(FIXED, CLIENT, TOKEN_URL, "a"));
    assertThat(assertion.sign(FIXED, CLIENT, TOKEN_URL, "a")).isNotEqualTo(assertion.sign(FIXED, CLIENT, TOKEN_URL, "b"));
  }

  @Test
  void lifetime_is_well_under_an_hour() {
    assertThat(ClientAssertion.LIFETIME.toMinutes()).isLessThanOrEqualTo(10);
  }

  @Test
  void to_string_shows_no_key_material() {
    ClientAssertion assertion = new ClientAssertion(keys.active());
    assertThat(assertion.toString()).doesNotContain(keys.active().toJSONObject().get("d").toString());
    AccessToken token = new AccessToken("secret-token-value", true, java.util.Set.of("okta.users.read"), Instant.now());
    assertThat(token.toString()).doesNotContain("secret-token-value");
  }

  @Test
  void okta_timestamps_parse_exactly() {
    char[] c = "2025-03-19T08:01:48.123Z".toCharArray();
    assertThat(Timestamps.parse(c, 0, c.length)).isEqualTo(Instant.parse("2025-03-19T08:01:48.123Z").toEpochMilli());
  }

  @Test
  void link_headers_are_read_one_per_line_and_comma_joined() {
    List<String> lines = List.of("<https://x.okta.com/api/v1/users?limit=1>; rel=\"self\"",
        "<https://x.okta.com/api/v1/users?after=200u1&limit=1>; rel=\"next\"");
    assertThat(Links.find(lines, "next")).isEqualTo("https://x.okta.com/api/v1/users?after=200u1&limit=1");
    assertThat(Links.find(List.of(String.join(", ", lines)), "self")).isEqualTo("https://x.okta.com/api/v1/users?limit=1");
    assertThat(Links.find(lines.subList(0, 1), "next")).isNull();
  }

  @Test
  void filters_are_quoted_and_percent_encoded() {
    UserQuery q = UserQuery.filter("profile.login eq " + UserQuery.quote("a\"b@x.com"));
    assertThat(q.queryString()).isEqualTo("limit=200&filter=profile.login%20eq%20%22a%5C%22b%40x.com%22");
    assertThat(UserQuery.updatedSince(Instant.parse("2026-01-02T03:04:05Z")).filter())
        .isEqualTo("lastUpdated gt \"2026-01-02T03:04:05.000Z\"");
  }
}
