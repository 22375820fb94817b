package io.flare.iem.integrationconfig;

import io.flare.iem.integrationconfig.IntegrationDiagnostics.Result;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;

/**
 * The TestIntegration check of risk signals (issue 16), {@code risk_signals_provider}: with
 * {@code risk_signals_enabled}, the org must have an ACTIVE Security Events Provider whose issuer
 * and JWKS URL are this integration's, or Okta refuses every event. Read with
 * {@code okta.securityEventsProviders.read} when granted (PASS or FAIL); otherwise WARN saying how
 * to set the provider up. SKIPPED when risk signals are off.
 */
final class RiskSignalChecks {

  static final String NAME = "risk_signals_provider";

  private RiskSignalChecks() {}

  static Future<Void> run(OktaOrg org, Integration integration, URI issuer, URI jwksUrl, List<Result> results) {
    if (!integration.exposure().riskSignalsEnabled()) {
      results.add(OktaDiagnostics.skipped(NAME, "risk signals are off (risk_signals_enabled)"));
      return Future.succeededFuture();
    }
    String setup = "In the Okta Admin Console (Identity Threat Protection) open Security > Device Integrations >"
        + " Receive shared signals, and create a stream (a Security Events Provider) using an issuer and JWKS URL:"
        + " issuer " + issuer + ", JWKS URL " + jwksUrl + ". Or create it with the SSF Receiver API (POST"
        + " /api/v1/security-events-providers, settings.issuer and settings.jwks_url).";
    return org.securityEventsProviders().transform(ar -> {
      if (ar.failed()) {
        String why = ar.cause() instanceof OktaException e && e.kind() == OktaException.Kind.INVALID_SCOPE
            ? "the app is not granted okta.securityEventsProviders.read, so the providers cannot be read"
            : "the providers could not be read (" + ar.cause().getClass().getSimpleName() + ")";
        results.add(OktaDiagnostics.warn(NAME, why + "; Okta refuses risk signals unless a provider names this"
            + " integration's issuer and JWKS URL", setup + " Grant okta.securityEventsProviders.read to let this"
            + " check verify it."));
        return Future.succeededFuture();
      }
      results.add(judge(ar.result(), issuer.toString(), jwksUrl.toString(), setup));
      return Future.succeededFuture();
    });
  }

  static Result judge(List<JsonObject> providers, String issuer, String jwksUrl, String setup) {
    for (JsonObject p : providers) {
      JsonObject settings = p.getJsonObject("settings", new JsonObject());
      if (issuer.equals(settings.getString("issuer")) && jwksUrl.equals(settings.getString("jwks_url"))) {
        if ("ACTIVE".equals(p.getString("status"))) {
          return OktaDiagnostics.pass(NAME, "the Security Events Provider '" + p.getString("name", "")
              + "' names this integration's issuer and JWKS URL and is ACTIVE");
        }
        return OktaDiagnostics.fail(NAME, "the Security Events Provider '" + p.getString("name", "") + "' is "
            + p.getString("status"), "Activate it in the Okta Admin Console (or POST"
            + " /api/v1/security-events-providers/{id}/lifecycle/activate).");
      }
    }
    return OktaDiagnostics.fail(NAME, "no Security Events Provider of the org names issuer " + issuer
        + " with JWKS URL " + jwksUrl + "; Okta would refuse every risk signal", setup);
  }
}
