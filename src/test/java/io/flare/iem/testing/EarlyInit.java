package io.flare.iem.testing;

import io.flare.iem.grpc.CallContext;
import org.junit.jupiter.api.extension.Extension;

/**
 * Auto-detected JUnit extension that registers the service's context locals before any test
 * creates a {@code Vertx} (Vert.x only accepts them before its first instance).
 */
public final class EarlyInit implements Extension {
  static {
    CallContext.init();
  }
}
