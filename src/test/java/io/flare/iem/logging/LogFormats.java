package io.flare.iem.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.Logger;

/** The encoder production's logback.xml picks, configured by real logback with {@code iem.log.format} set or not. */
final class LogFormats {

  private LogFormats() {}

  /** The console encoder of production's logback.xml; {@code format} null means as in production (nothing set). */
  static Encoder<ILoggingEvent> encoder(String format) {
    LoggerContext context = new LoggerContext();
    if (format != null) {
      context.putProperty("iem.log.format", format);
    }
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(LogFormats.class.getResource("/logback.xml"));
    } catch (JoranException e) {
      throw new IllegalStateException(e);
    }
    CallContextAppender call = (CallContextAppender) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CALL");
    AsyncAppender async = (AsyncAppender) call.getAppender("ASYNC");
    Appender<ILoggingEvent> console = async.getAppender("CONSOLE");
    LogEncoder encoder = (LogEncoder) ((OutputStreamAppender<ILoggingEvent>) console).getEncoder();
    assertThat(encoder.isStarted()).isTrue();
    assertThat(encoder.getFormat()).isEqualTo(format == null ? "json" : format);
    assertThat(context.getStatusManager().getCopyOfStatusList()).as("logback's status: no warning, no error")
        .allSatisfy(s -> assertThat(s.getLevel()).isZero());
    return encoder;
  }
}
