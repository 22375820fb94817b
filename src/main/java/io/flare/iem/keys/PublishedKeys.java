package io.flare.iem.keys;

import com.nimbusds.jose.jwk.JWKSet;
import io.vertx.core.Future;
import java.util.Optional;

/** The public keys served at one integration's JWKS URL, by the id in that URL. */
@FunctionalInterface
public interface PublishedKeys {

  /** The public halves published under {@code jwksId}; empty for an id no integration has. */
  Future<Optional<JWKSet>> jwks(String jwksId);
}
