package dev.storageinit.cli;

import dev.storageinit.spi.support.Json;
import dev.storageinit.spi.support.ScrubbingFormatter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The CLI's log output: every line goes through the library's scrubber (the SDKs' and the JDK's records as well as
 * the library's own), and the SDKs' loggers stay silent unless {@code --verbose}: the tool reports each failure
 * itself in one line, and an SDK's warning about the same failure only repeats it, often with the request URL.
 * With {@code json}, each record is one JSON object (time, level, logger, message, and the stack trace if any).
 */
final class ConsoleLogging {
    /** Loggers of the clients under the providers (JUL, or slf4j bound to JUL in the jar). */
    private static final List<String> SDK_LOGGERS = List.of(
            "com.azure",
            "com.microsoft.aad",
            "software.amazon",
            "com.google",
            "io.grpc",
            "reactor",
            "org.apache.http",
            "jdk.internal.httpclient");
    /** JUL keeps loggers weakly: a level set on one nobody holds would be lost. */
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    private ConsoleLogging() {}

    static synchronized void configure(boolean quiet, boolean verbose, boolean json) {
        // a handler of ours, not JUL's default ConsoleHandler: that one's SimpleFormatter formats a test date when it
        // is made, which loads the time-zone rules (6 ms of every start); reset() drops the default before it is made
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(quiet ? Level.WARNING : Level.INFO);
        root.addHandler(new StderrHandler(new ScrubbingFormatter(json ? new JsonFormatter() : new TextFormatter())));
        CONFIGURED.clear();
        for (String name : SDK_LOGGERS) {
            Logger sdk = Logger.getLogger(name);
            sdk.setLevel(verbose ? null : Level.OFF);
            CONFIGURED.add(sdk);
        }
    }

    /** Standard error, flushed after each record and never closed, as ConsoleHandler writes it. */
    private static final class StderrHandler extends StreamHandler {
        StderrHandler(Formatter formatter) {
            super(System.err, formatter);
        }

        @Override
        public synchronized void publish(LogRecord r) {
            super.publish(r);
            flush();
        }

        @Override
        public synchronized void close() {
            flush();
        }
    }

    /** "LEVEL message" and the stack trace if any, as SimpleFormatter writes with the format "%4$s %5$s%6$s%n". */
    private static final class TextFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            String line = r.getLevel().getLocalizedName() + " " + formatMessage(r);
            if (r.getThrown() == null) {
                return line + System.lineSeparator();
            }
            StringWriter trace = new StringWriter();
            try (PrintWriter out = new PrintWriter(trace)) {
                out.println();
                r.getThrown().printStackTrace(out);
            }
            return line + trace + System.lineSeparator();
        }
    }

    /** One JSON object a record. */
    private static final class JsonFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", Instant.ofEpochMilli(r.getMillis()).toString());
            m.put("level", r.getLevel() == Level.SEVERE ? "ERROR" : r.getLevel().getName());
            m.put("logger", r.getLoggerName());
            m.put("message", formatMessage(r));
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                m.put("stackTrace", trace.toString());
            }
            return Json.write(m) + System.lineSeparator();
        }
    }
}
