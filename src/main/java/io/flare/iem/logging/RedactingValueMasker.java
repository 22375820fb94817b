package io.flare.iem.logging;

import com.fasterxml.jackson.core.JsonStreamContext;
import net.logstash.logback.mask.ValueMasker;

/**
 * {@link SecretRedactor} for every value the JSON encoder writes: a field named like a secret is
 * masked whole, any other string has the secrets it carries replaced.
 */
public final class RedactingValueMasker implements ValueMasker {

  @Override
  public Object mask(JsonStreamContext context, Object value) {
    String field = context == null ? null : context.getCurrentName();
    if (field != null && SecretRedactor.isSecretKey(field)) {
      return SecretRedactor.MASK;
    }
    if (value instanceof CharSequence text) {
      String redacted = SecretRedactor.redact(text.toString());
      return redacted.equals(text.toString()) ? null : redacted; // null: leave the value as it is
    }
    return null;
  }
}
