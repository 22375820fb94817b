package io.flare.iem.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * {@code %iemMessage} of dev mode's readable lines: the message, then the event's key-value pairs and
 * MDC as {@code key=value}, every part through {@link SecretRedactor}.
 */
public final class DevLineConverter extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    StringBuilder sb = new StringBuilder(SecretRedactor.redact(String.valueOf(event.getFormattedMessage())));
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair kv : event.getKeyValuePairs()) {
        append(sb, kv.key, kv.value);
      }
    }
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      mdc.forEach((key, value) -> append(sb, key, value));
    }
    return sb.toString();
  }

  private static void append(StringBuilder sb, String key, Object value) {
    Object shown = SecretRedactor.redact(key, value);
    String text = String.valueOf(shown);
    sb.append(' ').append(key).append('=');
    if (text.isEmpty() || text.chars().anyMatch(c -> c == ' ' || c == '"' || c == '=')) {
      sb.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    } else {
      sb.append(text);
    }
  }
}
