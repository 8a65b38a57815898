package dev.storageinit.spi.support;

import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * A JUL formatter that {@linkplain Redactor#scrub scrubs} what another one writes, error stack traces included. The
 * library's own log calls are scrubbed already; SDK and JDK loggers (the Azure, AWS and Google clients, the JDK
 * HTTP client's debug log) are not the library's to change, so what prints them wraps its handlers' formatters
 * with {@link #install(Handler)}: the CLI does, on the console handler.
 */
public final class ScrubbingFormatter extends Formatter {
    private final Formatter delegate;

    public ScrubbingFormatter(Formatter delegate) {
        this.delegate = delegate;
    }

    /** Wraps {@code handler}'s formatter, once. */
    public static void install(Handler handler) {
        Formatter f = handler.getFormatter();
        if (f != null && !(f instanceof ScrubbingFormatter)) {
            handler.setFormatter(new ScrubbingFormatter(f));
        }
    }

    @Override
    public String format(LogRecord record) {
        return Redactor.scrub(delegate.format(record));
    }

    @Override
    public String getHead(Handler h) {
        return delegate.getHead(h);
    }

    @Override
    public String getTail(Handler h) {
        return delegate.getTail(h);
    }
}
