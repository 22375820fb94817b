package io.flare.iem.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import io.flare.iem.grpc.CallContext;
import java.util.Iterator;
import org.slf4j.event.KeyValuePair;

/**
 * Adds the gRPC call being served ({@code rpc}, {@code request_id}, {@code caller}) to every log
 * event written while serving it, then hands the event to the appenders it wraps. It runs on the
 * thread that logs (the call's event loop), where the call is known; the wrapped appender may then
 * write asynchronously.
 */
public final class CallContextAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
    implements AppenderAttachable<ILoggingEvent> {

  private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();

  @Override
  protected void append(ILoggingEvent event) {
    if (event instanceof LoggingEvent mutable) {
      CallContext.current().ifPresent(call -> {
        add(mutable, "rpc", call.method());
        add(mutable, "request_id", call.requestId());
        add(mutable, "caller", call.caller().subject());
      });
    }
    appenders.appendLoopOnAppenders(event);
  }

  private static void add(LoggingEvent event, String key, String value) {
    if (event.getKeyValuePairs() == null || event.getKeyValuePairs().stream().noneMatch(kv -> key.equals(kv.key))) {
      event.addKeyValuePair(new KeyValuePair(key, value));
    }
  }

  @Override
  public void addAppender(Appender<ILoggingEvent> appender) {
    appenders.addAppender(appender);
  }

  @Override
  public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
    return appenders.iteratorForAppenders();
  }

  @Override
  public Appender<ILoggingEvent> getAppender(String name) {
    return appenders.getAppender(name);
  }

  @Override
  public boolean isAttached(Appender<ILoggingEvent> appender) {
    return appenders.isAttached(appender);
  }

  @Override
  public void detachAndStopAllAppenders() {
    appenders.detachAndStopAllAppenders();
  }

  @Override
  public boolean detachAppender(Appender<ILoggingEvent> appender) {
    return appenders.detachAppender(appender);
  }

  @Override
  public boolean detachAppender(String name) {
    return appenders.detachAppender(name);
  }

  @Override
  public void stop() {
    super.stop();
    detachAndStopAllAppenders();
  }
}
