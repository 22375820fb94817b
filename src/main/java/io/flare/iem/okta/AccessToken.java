package io.flare.iem.okta;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * An Okta access token for one scope set. {@link #toString()} never shows the token value.
 *
 * @param value the token, secret
 * @param dpop true when the token is DPoP-bound ({@code token_type: DPoP}): every call then needs a proof
 * @param scopes the scopes Okta granted
 * @param expiresAt when Okta stops accepting it
 */
public record AccessToken(String value, boolean dpop, Set<String> scopes, Instant expiresAt) {

  /**
   * The token of Okta's token response {@code r} to a request for {@code requested}, received at
   * {@code now}; without {@code scope}, Okta granted what was asked.
   */
  static AccessToken from(OktaResponse r, Set<String> requested, Instant now) {
    JsonObject json = r.json();
    String value = json.getString("access_token");
    String type = json.getString("token_type", "Bearer");
    Object expires = json.getValue("expires_in");
    if (value == null || !(expires instanceof Number)) {
      throw new OktaException(OktaException.Kind.UNEXPECTED, r.status(), null,
          "token response without access_token or expires_in", List.of(), r.requestId(), null);
    }
    Set<String> granted = json.getString("scope") == null
        ? Set.copyOf(requested)
        : Set.copyOf(Arrays.asList(json.getString("scope").trim().split("\\s+")));
    return new AccessToken(value, "DPoP".equalsIgnoreCase(type), granted, now.plusSeconds(((Number) expires).longValue()));
  }

  /** The {@code Authorization} header value. */
  String authorization() {
    return (dpop ? "DPoP " : "Bearer ") + value;
  }

  @Override
  public String toString() {
    return "AccessToken[type=" + (dpop ? "DPoP" : "Bearer") + ", scopes=" + scopes + ", expiresAt=" + expiresAt
        + ", value=<redacted>]";
  }
}
