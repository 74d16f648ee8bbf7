package dev.kindred.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * What the server logs while a test runs: Kindred's own events (slf4j/logback, at {@code level}
 * and above, rendered with the server jar's production pattern) and grpc-java's records
 * (java.util.logging, WARNING and above), which is where an exception escaping a call ends up.
 */
final class LogCapture implements AutoCloseable {
  /** The pattern of env-server/tools/src/main/resources/logback.xml. */
  static final String PRODUCTION_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%replace( %kvp){'^ $', ''}%n";

  private final Logger kindred;
  private final Level previousLevel;
  private final AppenderBase<ILoggingEvent> appender;
  private final PatternLayout layout;
  private final List<String> lines = new ArrayList<>();
  private final List<ILoggingEvent> events = new ArrayList<>();
  /** Held strongly: java.util.logging keeps loggers only weakly, and would drop the handler. */
  private final java.util.logging.Logger grpc = java.util.logging.Logger.getLogger("io.grpc");
  private final List<LogRecord> grpcRecords = new ArrayList<>();
  private final Handler grpcHandler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
        synchronized (grpcRecords) {
          grpcRecords.add(r);
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  LogCapture(Level level) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    kindred = context.getLogger("dev.kindred");
    previousLevel = kindred.getLevel();
    kindred.setLevel(level);
    layout = new PatternLayout();
    layout.setContext(context);
    layout.setPattern(PRODUCTION_PATTERN);
    layout.start();
    appender = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent e) {
        synchronized (lines) {
          events.add(e);
          lines.add(layout.doLayout(e));
        }
      }
    };
    appender.setContext(context);
    appender.start();
    kindred.addAppender(appender);
    grpc.addHandler(grpcHandler);
  }

  /** Kindred's events so far, each as the production log would print it (ending in one newline). */
  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  List<ILoggingEvent> events() {
    synchronized (lines) {
      return List.copyOf(events);
    }
  }

  /** grpc-java's WARNING and SEVERE records so far. */
  List<LogRecord> grpcRecords() {
    synchronized (grpcRecords) {
      return List.copyOf(grpcRecords);
    }
  }

  @Override
  public void close() {
    grpc.removeHandler(grpcHandler);
    kindred.detachAppender(appender);
    kindred.setLevel(previousLevel);
    appender.stop();
    layout.stop();
  }
}
