package io.flare.iem.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;

/** {@code %iemError} of dev mode's readable lines: the error and its stack, through {@link SecretRedactor}. */
public final class DevErrorConverter extends ThrowableProxyConverter {

  @Override
  protected String throwableProxyToString(IThrowableProxy error) {
    return SecretRedactor.redact(super.throwableProxyToString(error));
  }
}
