package io.flare.iem.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.AbstractFieldJsonProvider;

/**
 * The event's error as {@code "error": {"type", "message", "stack"}}, the stack being each cause's
 * first 30 frames; nothing when the event has no error.
 */
public final class ErrorJsonProvider extends AbstractFieldJsonProvider<ILoggingEvent> {

  static final int FRAMES = 30;

  public ErrorJsonProvider() {
    setFieldName("error");
  }

  @Override
  public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
    IThrowableProxy error = event.getThrowableProxy();
    if (error == null) {
      return;
    }
    generator.writeObjectFieldStart(getFieldName());
    generator.writeStringField("type", error.getClassName());
    generator.writeStringField("message", error.getMessage());
    generator.writeStringField("stack", stack(error));
    generator.writeEndObject();
  }

  static String stack(IThrowableProxy error) {
    StringBuilder sb = new StringBuilder();
    for (IThrowableProxy t = error; t != null; t = t.getCause()) {
      if (t != error) {
        sb.append("caused by ").append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
      }
      StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
      int shown = Math.min(frames.length, FRAMES);
      for (int i = 0; i < shown; i++) {
        sb.append("  at ").append(frames[i].getStackTraceElement()).append('\n');
      }
    }
    return sb.toString();
  }
}
