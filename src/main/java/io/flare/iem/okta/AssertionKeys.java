package io.flare.iem.okta;

import com.nimbusds.jose.jwk.JWK;
import io.vertx.core.Future;

/** Where the key that signs a tenant's client assertions comes from: its integration's own. */
@FunctionalInterface
public interface AssertionKeys {

  /** The key that signs {@code tenantId}'s client assertions now. */
  Future<ClientAssertion> signing(String tenantId);

  /** One key for every tenant: for tests and tools that talk to one org, never for the service. */
  static AssertionKeys fixed(JWK key) {
    ClientAssertion assertion = new ClientAssertion(key);
    return tenantId -> Future.succeededFuture(assertion);
  }
}
