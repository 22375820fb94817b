package io.flare.iem.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * Writes each log event as one JSON object on one line: time, level, logger, thread, message, the
 * event's key-value pairs (tenant, rpc, request_id, okta_request_id...) and MDC as top-level
 * fields, and the error with its stack. Callers never pass secrets; this encoder adds none.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

  private static final byte[] EMPTY = new byte[0];

  @Override
  public byte[] headerBytes() {
    return EMPTY;
  }

  @Override
  public byte[] footerBytes() {
    return EMPTY;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringBuilder sb = new StringBuilder(256);
    sb.append('{');
    field(sb, "time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
    sb.append(',');
    field(sb, "level", event.getLevel().toString());
    sb.append(',');
    field(sb, "logger", event.getLoggerName());
    sb.append(',');
    field(sb, "thread", event.getThreadName());
    sb.append(',');
    field(sb, "message", event.getFormattedMessage());
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair kv : event.getKeyValuePairs()) {
        sb.append(',');
        field(sb, kv.key, kv.value);
      }
    }
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      for (Map.Entry<String, String> e : mdc.entrySet()) {
        sb.append(',');
        field(sb, e.getKey(), e.getValue());
      }
    }
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      sb.append(",\"error\":{");
      field(sb, "type", error.getClassName());
      sb.append(',');
      field(sb, "message", error.getMessage());
      sb.append(',');
      field(sb, "stack", stack(error));
      sb.append('}');
    }
    sb.append("}\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String stack(IThrowableProxy error) {
    StringBuilder sb = new StringBuilder();
    for (IThrowableProxy t = error; t != null; t = t.getCause()) {
      if (t != error) {
        sb.append("caused by ").append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
      }
      StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
      int shown = Math.min(frames.length, 30);
      for (int i = 0; i < shown; i++) {
        sb.append("  at ").append(frames[i].getStackTraceElement()).append('\n');
      }
    }
    return sb.toString();
  }

  private static void field(StringBuilder sb, String key, Object value) {
    string(sb, key);
    sb.append(':');
    if (value == null) {
      sb.append("null");
    } else if (value instanceof Number || value instanceof Boolean) {
      sb.append(value);
    } else {
      string(sb, value.toString());
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
