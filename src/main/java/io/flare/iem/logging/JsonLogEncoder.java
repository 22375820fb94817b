package io.flare.iem.logging;

import net.logstash.logback.composite.loggingevent.KeyValuePairsJsonProvider;
import net.logstash.logback.composite.loggingevent.LogLevelJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggerNameJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventFormattedTimestampJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventJsonProviders;
import net.logstash.logback.composite.loggingevent.LoggingEventThreadNameJsonProvider;
import net.logstash.logback.composite.loggingevent.MdcJsonProvider;
import net.logstash.logback.composite.loggingevent.MessageJsonProvider;
import net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder;
import net.logstash.logback.mask.MaskingJsonGeneratorDecorator;

/**
 * Production's log lines, written by logstash-logback-encoder: one JSON object per line with
 * {@code time} (UTC, ISO-8601), {@code level}, {@code logger}, {@code thread}, {@code message}, the
 * event's key-value pairs (tenant_id, rpc, request_id, okta_request_id...) and MDC as top-level
 * fields, and {@code error} ({@code type}, {@code message}, {@code stack}). Every value passes
 * {@link SecretRedactor}.
 */
public final class JsonLogEncoder extends LoggingEventCompositeJsonEncoder {

  private final MaskingJsonGeneratorDecorator masking = new MaskingJsonGeneratorDecorator();

  public JsonLogEncoder() {
    LoggingEventJsonProviders providers = new LoggingEventJsonProviders();
    LoggingEventFormattedTimestampJsonProvider time = new LoggingEventFormattedTimestampJsonProvider();
    time.setFieldName("time");
    time.setPattern("[ISO_INSTANT]");
    time.setTimeZone("UTC");
    providers.addTimestamp(time);
    LogLevelJsonProvider level = new LogLevelJsonProvider();
    level.setFieldName("level");
    providers.addLogLevel(level);
    LoggerNameJsonProvider logger = new LoggerNameJsonProvider();
    logger.setFieldName("logger");
    providers.addLoggerName(logger);
    LoggingEventThreadNameJsonProvider thread = new LoggingEventThreadNameJsonProvider();
    thread.setFieldName("thread");
    providers.addThreadName(thread);
    MessageJsonProvider message = new MessageJsonProvider();
    message.setFieldName("message");
    providers.addMessage(message);
    providers.addKeyValuePairs(new KeyValuePairsJsonProvider());
    providers.addMdc(new MdcJsonProvider());
    providers.addProvider(new ErrorJsonProvider());
    setProviders(providers);
    masking.addValueMasker(new RedactingValueMasker());
    setJsonGeneratorDecorator(masking);
  }

  @Override
  public void start() {
    masking.start(); // builds its masking generator; the encoder does not start a decorator it was given
    super.start();
  }
}
