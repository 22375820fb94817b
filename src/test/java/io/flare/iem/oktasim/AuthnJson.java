package io.flare.iem.oktasim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The bodies of {@code POST /api/v1/authn}'s 200 answers, shaped as Okta's authn reference shows
 * them (fixture 20, {@code okta/okta-developer-docs:…/docs/reference/api/authn/index.md}) and as
 * recorded (fixture 06 for SUCCESS). {@code RecordedFixturesTest} and {@code AuthnAnswersTest}
 * compare them field by field with those examples.
 */
final class AuthnJson {

  /**
   * The password policy's complexity as {@code PASSWORD_EXPIRED} and {@code PASSWORD_WARN} embed it
   * ({@code _embedded.policy.complexity}): the authn reference's examples show exactly these values,
   * which are also Okta's default password policy.
   */
  static final JsonObject COMPLEXITY = new JsonObject().put("minLength", 8).put("minLowerCase", 1)
      .put("minUpperCase", 1).put("minNumber", 1).put("minSymbol", 0);

  /**
   * The factors the org's MFA enrollment policy offers ({@code MFA_ENROLL}'s {@code _embedded.factors}):
   * the reference's example list (RSA SecurID, Okta Verify TOTP, SMS, voice call, Okta Verify push),
   * each {@code NOT_SETUP} and {@code OPTIONAL}; only RSA carries a {@code vendorName} there.
   */
  private static final List<String[]> ENROLLABLE = List.of(new String[] {"token", "RSA"},
      new String[] {"token:software:totp", "OKTA"}, new String[] {"sms", "OKTA"}, new String[] {"call", "OKTA"},
      new String[] {"push", "OKTA"});

  private AuthnJson() {}

  /**
   * {@code LOCKED_OUT} when the password policy shows lockout failures: only {@code status} and the
   * {@code unlock} link (fixture 20 "LOCKED_OUT": no stateToken, no _embedded, no cancel link).
   */
  static String lockedOut(String base) {
    return new JsonObject().put("status", "LOCKED_OUT")
        .put("_links", new JsonObject().put("next", link("unlock", base + "/api/v1/authn/recovery/unlock")))
        .encode();
  }

  /** {@code SUCCESS}: the session token, the user and a {@code cancel} link (fixture 06, recorded). */
  static JsonObject success(String base, SimUser u, String sessionToken, String expiresAt) {
    return new JsonObject().put("expiresAt", expiresAt).put("status", "SUCCESS").put("sessionToken", sessionToken)
        .put("_embedded", new JsonObject().put("user", user(u)))
        .put("_links", new JsonObject().put("cancel", link(null, base + "/api/v1/authn/cancel")));
  }

  /**
   * A state waiting for the user: {@code MFA_REQUIRED}, {@code MFA_ENROLL}, {@code PASSWORD_EXPIRED}
   * or {@code PASSWORD_WARN}, each with what fixture 20 shows for it.
   */
  static JsonObject pending(String base, SimUser u, String state, String stateToken, String expiresAt,
      int passwordExpireDays) {
    JsonObject embedded = new JsonObject().put("user", user(u));
    JsonObject links = new JsonObject();
    switch (state) {
      // Fixture 20 (and the docs): MFA_REQUIRED lists the enrolled factors, each with its own verify
      // link, and its _links hold only cancel. The simulator used to add a "next" verify link here.
      case "MFA_REQUIRED" -> embedded.put("factors", enrolled(base, u.factors));
      // MFA_ENROLL lists what may be enrolled, each with an enroll link; _links hold only cancel
      // (the simulator used to add a "next" enroll link and no factors).
      case "MFA_ENROLL" -> embedded.put("factors", enrollable(base));
      // PASSWORD_EXPIRED embeds the policy's complexity; PASSWORD_WARN also the days left and a
      // skip link (fixture 20; the simulator used to send neither policy nor skip).
      case "PASSWORD_EXPIRED" -> {
        embedded.put("policy", new JsonObject().put("complexity", COMPLEXITY.copy()));
        links.put("next", link("changePassword", base + "/api/v1/authn/credentials/change_password"));
      }
      case "PASSWORD_WARN" -> {
        embedded.put("policy", new JsonObject()
            .put("expiration", new JsonObject().put("passwordExpireDays", passwordExpireDays))
            .put("complexity", COMPLEXITY.copy()));
        links.put("next", link("changePassword", base + "/api/v1/authn/credentials/change_password"));
        links.put("skip", link("skip", base + "/api/v1/authn/skip"));
      }
      default -> throw new IllegalArgumentException(state);
    }
    links.put("cancel", link(null, base + "/api/v1/authn/cancel"));
    return new JsonObject().put("stateToken", stateToken).put("expiresAt", expiresAt).put("status", state)
        .put("_embedded", embedded).put("_links", links);
  }

  private static JsonObject user(SimUser u) {
    return new JsonObject().put("id", u.id)
        .put("passwordChanged", u.passwordChanged == SimUser.NONE ? null
            : UserJson.iso(new StringBuilder(), u.passwordChanged).toString())
        .put("profile", new JsonObject().put("login", u.login).put("firstName", u.firstName)
            .put("lastName", u.lastName).put("locale", "en_US").put("timeZone", "America/Los_Angeles"));
  }

  private static JsonArray enrolled(String base, List<SimFactor> factors) {
    JsonArray out = new JsonArray();
    for (SimFactor f : factors) {
      out.add(new JsonObject().put("id", f.id()).put("factorType", f.factorType()).put("provider", f.provider())
          .put("profile", f.profile().copy()).put("_links", new JsonObject()
              .put("verify", link(null, base + "/api/v1/authn/factors/" + f.id() + "/verify"))));
    }
    return out;
  }

  private static JsonArray enrollable(String base) {
    JsonArray out = new JsonArray();
    for (String[] f : ENROLLABLE) {
      JsonObject factor = new JsonObject().put("factorType", f[0]).put("provider", f[1]);
      if (f[1].equals("RSA")) {
        factor.put("vendorName", "RSA");
      }
      out.add(factor.put("_links", new JsonObject().put("enroll", link(null, base + "/api/v1/authn/factors")))
          .put("status", "NOT_SETUP").put("enrollment", "OPTIONAL"));
    }
    return out;
  }

  /** A link as the authn API writes them: {@code name} (when it has one), {@code href}, {@code hints.allow}. */
  private static JsonObject link(String name, String href) {
    JsonObject link = new JsonObject();
    if (name != null) {
      link.put("name", name);
    }
    return link.put("href", href).put("hints", new JsonObject().put("allow", new JsonArray().add("POST")));
  }
}
