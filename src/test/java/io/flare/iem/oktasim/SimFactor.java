package io.flare.iem.oktasim;

import io.vertx.core.json.JsonObject;

/**
 * A factor a simulated user enrolled (Okta's Factor object as {@code /api/v1/authn} embeds it in
 * {@code MFA_REQUIRED}): {@code id} (a 3-letter prefix by type and 17 more characters, as Okta's
 * ids), {@code factorType}, {@code provider} and the {@code profile} Okta shows for it.
 */
public record SimFactor(String id, String factorType, String provider, JsonObject profile) {

  /** Okta's id prefix for a factor type (seen in the authn reference's examples); {@code fct} otherwise. */
  static String prefix(String factorType, String provider) {
    return switch (factorType) {
      case "token" -> "RSA".equals(provider) ? "rsa" : "fct";
      case "token:software:totp" -> "ost";
      case "sms" -> "sms";
      case "call" -> "clf";
      case "push" -> "opf";
      default -> "fct";
    };
  }
}
