package io.flare.iem.integrationconfig;

import io.flare.iem.integrationconfig.IntegrationDiagnostics.Outcome;
import io.flare.iem.integrationconfig.IntegrationDiagnostics.Result;
import io.flare.iem.okta.AccessToken;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which of the integration's published keys Okta accepts, asked with a token request signed by
 * each (never cached, never replacing the tokens sync and checks use): the active key's answer is
 * the token check's; the next key's says whether a rotation will go through. Retiring keys sign
 * nothing and are not asked.
 */
final class SigningKeyChecks {

  static final String NAME = "signing_keys_accepted";
  /** Okta caches a client's JWKS for up to this long: a newer key may be refused until then. */
  static final Duration OKTA_JWKS_CACHE = Duration.ofMinutes(5);

  /** The active key's token request, and the report on every key asked. */
  record Asked(AsyncResult<AccessToken> active, Result report) {}

  private SigningKeyChecks() {}

  static Future<Asked> run(OktaOrg org, List<IntegrationKeys.Opened> keys, URI jwksUrl, Instant now) {
    Optional<IntegrationKeys.Opened> active = keys.stream()
        .filter(k -> k.key().state() == IntegrationKeys.State.ACTIVE).findFirst();
    Optional<IntegrationKeys.Opened> next = keys.stream()
        .filter(k -> k.key().state() == IntegrationKeys.State.NEXT).findFirst();
    if (active.isEmpty()) {
      return Future.failedFuture(new IllegalStateException("the integration has no active signing key"));
    }
    return ask(org, active.get()).compose(activeAnswer -> {
      if (!accepted(activeAnswer)) {
        return Future.succeededFuture(new Asked(activeAnswer, new Result(NAME, Outcome.FAIL,
            "Okta refuses the active key " + active.get().key().keyId() + ": " + why(activeAnswer),
            "In the service app's Client Credentials, choose Public key / Private key, 'Use a URL to fetch keys"
                + " dynamically', and enter this integration's JWKS URL " + jwksUrl + ".")));
      }
      String activeText = "Okta accepts the active key " + active.get().key().keyId() + " from " + jwksUrl;
      if (next.isEmpty()) {
        return Future.succeededFuture(new Asked(activeAnswer, new Result(NAME, Outcome.PASS, activeText, "")));
      }
      IntegrationKeys.Key nextKey = next.get().key();
      return ask(org, next.get()).map(nextAnswer -> new Asked(activeAnswer,
          nextReport(activeText, nextKey, nextAnswer, jwksUrl, now)));
    });
  }

  private static Result nextReport(String activeText, IntegrationKeys.Key next, AsyncResult<AccessToken> answer,
      URI jwksUrl, Instant now) {
    String signs = "; it signs from " + next.signTime();
    if (accepted(answer)) {
      return new Result(NAME, Outcome.PASS, activeText + ", and the next key " + next.keyId() + " already" + signs,
          "");
    }
    if (now.isBefore(next.createTime().plus(OKTA_JWKS_CACHE).plus(Duration.ofMinutes(1)))) {
      return new Result(NAME, Outcome.PASS, activeText + "; not the next key " + next.keyId() + " yet: Okta's copy of"
          + " the JWKS may be up to 5 minutes old" + signs, "");
    }
    return new Result(NAME, Outcome.WARN, activeText + ", but still refuses the next key " + next.keyId()
        + ", published at " + next.createTime() + ": " + why(answer) + signs,
        "Make sure the service app's JWKS URL is " + jwksUrl + " (Client Credentials, 'Use a URL to fetch keys"
            + " dynamically'), then run TestIntegration again before the next key signs.");
  }

  /** The token request signed by one key: its answer, failed or not. */
  private static Future<AsyncResult<AccessToken>> ask(OktaOrg org, IntegrationKeys.Opened key) {
    return org.probeToken(key.signer(), Set.of(OktaOrg.USERS_READ))
        .transform(ar -> Future.<AsyncResult<AccessToken>>succeededFuture(ar));
  }

  /** Okta authenticated the client with the key (a scope refused afterwards still means the key is good). */
  static boolean accepted(AsyncResult<AccessToken> answer) {
    return answer.succeeded() || answer.cause() instanceof OktaException e
        && e.kind() == OktaException.Kind.INVALID_SCOPE;
  }

  private static String why(AsyncResult<AccessToken> answer) {
    Throwable cause = answer.cause();
    if (cause instanceof OktaException e && e.errorSummary() != null) {
      return (e.errorCode() == null ? "" : e.errorCode() + " ") + e.errorSummary();
    }
    return String.valueOf(cause == null ? null : cause.getMessage());
  }
}
