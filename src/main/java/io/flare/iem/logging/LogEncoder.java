package io.flare.iem.logging;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The service's log format, chosen once at start by {@code format} (logback.xml sets it from the
 * system property {@code iem.log.format}): {@code json}, production's default, one JSON object per
 * line ({@link JsonLogEncoder}); {@code text}, dev mode's, one readable line per event: time, level,
 * the logger's class name, the message and the event's {@code key=value} pairs, then any error's
 * stack. Both redact secrets ({@link SecretRedactor}).
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {

  /** Dev mode's line; {@code %iemMessage} and {@code %iemError} redact. */
  public static final String TEXT_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0} - %iemMessage%n%iemError";

  private String format = "json";
  private Encoder<ILoggingEvent> delegate;

  public void setFormat(String format) {
    this.format = format;
  }

  public String getFormat() {
    return format;
  }

  @Override
  public void start() {
    if ("text".equals(format)) {
      LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
      text.setContext(getContext());
      text.setCharset(StandardCharsets.UTF_8);
      PatternLayout layout = new PatternLayout();
      layout.getInstanceConverterMap().put("iemMessage", DevLineConverter::new);
      layout.getInstanceConverterMap().put("iemError", DevErrorConverter::new);
      layout.setContext(getContext());
      layout.setPattern(TEXT_PATTERN);
      layout.start();
      text.setLayout(layout);
      delegate = text;
    } else {
      if (!"json".equals(format)) {
        addError("iem.log.format must be json or text, got \"" + format + "\"; writing JSON");
        format = "json";
      }
      JsonLogEncoder json = new JsonLogEncoder();
      json.setContext(getContext());
      delegate = json;
    }
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
