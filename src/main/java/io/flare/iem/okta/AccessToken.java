package io.flare.iem.okta;

import java.time.Instant;
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
