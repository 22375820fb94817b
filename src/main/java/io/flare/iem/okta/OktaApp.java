package io.flare.iem.okta;

/**
 * One tenant's API Services app in one Okta org: what a connection to Okta belongs to. Tokens,
 * DPoP state, rate-limit state and the signing key are never shared between two of them, so one
 * tenant's configuration can never send a request, or spend a token, for another's.
 *
 * @param tenantId the Flare tenant whose integration this is; its signing key signs the assertions
 * @param oktaDomain the org URL every call goes to
 * @param clientId the app's client id
 */
public record OktaApp(String tenantId, String oktaDomain, String clientId) {

  public OktaApp {
    if (tenantId == null || tenantId.isEmpty()) {
      throw new IllegalArgumentException("an Okta app belongs to a tenant");
    }
  }
}
