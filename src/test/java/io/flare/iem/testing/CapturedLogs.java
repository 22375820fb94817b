package io.flare.iem.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.flare.iem.logging.JsonLogEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps every log line of the test JVM, rendered exactly as production renders it, so that tests
 * can prove no secret reaches a log.
 */
public final class CapturedLogs extends AppenderBase<ILoggingEvent> {

  private static final List<String> LINES = new ArrayList<>();
  private final JsonLogEncoder encoder = new JsonLogEncoder();

  @Override
  public void start() {
    encoder.setContext(getContext());
    encoder.start();
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
    synchronized (LINES) {
      LINES.add(line);
    }
  }

  /** Every line logged so far in this JVM. */
  public static List<String> lines() {
    synchronized (LINES) {
      return new ArrayList<>(LINES);
    }
  }
}
