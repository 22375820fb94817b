package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How TestIntegration judges the org's Security Events Providers (issue 16): a pure function of what Okta lists. */
class RiskSignalChecksTest {

  static final String ISSUER = "https://iem.example/ssf/1";
  static final String JWKS = "https://iem.example/.well-known/jwks/1.json";

  static JsonObject provider(String name, String status, String issuer, String jwks) {
    return new JsonObject().put("name", name).put("status", status)
        .put("settings", new JsonObject().put("issuer", issuer).put("jwks_url", jwks));
  }

  @Test
  void an_active_provider_with_our_issuer_and_jwks_url_passes() {
    var r = RiskSignalChecks.judge(List.of(provider("other", "ACTIVE", "https://x", JWKS),
        provider("Flare", "ACTIVE", ISSUER, JWKS)), ISSUER, JWKS, "set up");
    assertThat(r.outcome()).isEqualTo(IntegrationDiagnostics.Outcome.PASS);
  }

  @Test
  void an_inactive_one_fails_saying_to_activate_it() {
    var r = RiskSignalChecks.judge(List.of(provider("Flare", "INACTIVE", ISSUER, JWKS)), ISSUER, JWKS, "set up");
    assertThat(r.outcome()).isEqualTo(IntegrationDiagnostics.Outcome.FAIL);
    assertThat(r.remedy()).contains("Activate");
  }

  @Test
  void none_with_our_issuer_and_jwks_url_fails_with_the_setup_steps() {
    var r = RiskSignalChecks.judge(List.of(provider("Flare", "ACTIVE", ISSUER, "https://elsewhere/jwks")), ISSUER,
        JWKS, "set up with issuer " + ISSUER);
    assertThat(r.outcome()).isEqualTo(IntegrationDiagnostics.Outcome.FAIL);
    assertThat(r.detail()).contains(ISSUER).contains(JWKS);
    assertThat(r.remedy()).contains(ISSUER);
  }
}
