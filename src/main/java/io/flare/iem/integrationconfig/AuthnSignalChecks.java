package io.flare.iem.integrationconfig;

import static io.flare.iem.integrationconfig.OktaDiagnostics.pass;
import static io.flare.iem.integrationconfig.OktaDiagnostics.warn;

import io.flare.iem.integrationconfig.IntegrationDiagnostics.Result;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OrgMetadata;
import io.vertx.core.Future;
import java.util.List;

/**
 * The two TestIntegration checks that say how well a rejected password can be told apart from a
 * denied sign-in (okta-api.md §4: a 401 from authn may be either):
 * <ul>
 *   <li>{@code logs_read_granted}: {@code okta.logs.read}, and an admin role that may read the System
 *       Log (one query of it, as checks make). PASS, or WARN with the remedy;</li>
 *   <li>{@code org_pipeline}: {@code /.well-known/okta-organization} names Classic Engine
 *       ({@code v1}) or Identity Engine ({@code idx}), and what each means for checks. WARN when it
 *       cannot be read.</li>
 * </ul>
 */
final class AuthnSignalChecks {

  static final String LOGS_READ = "logs_read_granted";
  static final String PIPELINE = "org_pipeline";

  private static final String GRANT_LOGS = "In the Okta Admin Console open the service app, tab Okta API Scopes, and"
      + " grant okta.logs.read. Flare then reads the System Log event of every rejected sign-in, so that a sign-on"
      + " policy, network zone or device denial of a right password is not taken for a wrong one.";

  private AuthnSignalChecks() {}

  static Future<Void> run(OktaOrg org, List<Result> results) {
    return logs(org, results).compose(v -> pipeline(org, results));
  }

  private static Future<Void> logs(OktaOrg org, List<Result> results) {
    return org.requestEvents("TestIntegration", null).transform(ar -> {
      if (ar.succeeded()) {
        results.add(pass(LOGS_READ, "okta.logs.read is granted and the System Log is readable: each rejected"
            + " password is confirmed (or found to be a sign-on policy, network zone or device denial) in it"));
        return Future.succeededFuture();
      }
      OktaException e = ar.cause() instanceof OktaException o ? o : null;
      String without = "; until then a rejected password is recorded INVALID but unconfirmed, and a new leak of"
          + " it is tried again after IEM_CHECK_UNCONFIRMED_RETRY_DAYS (30 days by default)";
      if (e != null && e.kind() == OktaException.Kind.INVALID_SCOPE) {
        results.add(warn(LOGS_READ, "Okta refused the scope okta.logs.read" + without, GRANT_LOGS));
      } else if (e != null && e.kind() == OktaException.Kind.FORBIDDEN) {
        results.add(warn(LOGS_READ, "okta.logs.read is granted but Okta refused to read the System Log: "
            + e.errorCode() + " " + e.errorSummary() + without, "Give the service app an admin role that may"
            + " view the System Log (for example Read-only Administrator or Report Administrator) on its Admin"
            + " roles tab."));
      } else {
        results.add(warn(LOGS_READ, "the System Log could not be read: " + ar.cause().getMessage() + without,
            "Run TestIntegration again later; if it persists: " + GRANT_LOGS));
      }
      return Future.succeededFuture();
    });
  }

  private static Future<Void> pipeline(OktaOrg org, List<Result> results) {
    return org.setup().organization().transform(ar -> {
      if (ar.failed()) {
        results.add(warn(PIPELINE, "/.well-known/okta-organization could not be read: " + ar.cause().getMessage()
                + "; checks read each user's blocks before an attempt, as on an Identity Engine org",
            "Run TestIntegration again later."));
        return Future.succeededFuture();
      }
      OrgMetadata metadata = ar.result();
      results.add(switch (metadata.pipeline()) {
        case IDENTITY_ENGINE -> pass(PIPELINE, "Identity Engine (pipeline idx): /api/v1/authn applies the global"
            + " session policy only, and Okta may block a user's sign-ins from unknown devices (every Flare attempt"
            + " is from one); before an attempt Flare reads the user's blocks and waits while a block lasts");
        case CLASSIC -> pass(PIPELINE, "Classic Engine (pipeline v1): /api/v1/authn applies the Okta sign-on"
            + " policy; there are no user blocks to read");
        case UNKNOWN -> warn(PIPELINE, "/.well-known/okta-organization names no pipeline Flare knows; checks read"
            + " each user's blocks before an attempt, as on an Identity Engine org", "Run TestIntegration again"
            + " later; if it persists, contact Flare support.");
      });
      return Future.succeededFuture();
    });
  }
}
