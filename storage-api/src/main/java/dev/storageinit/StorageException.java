package dev.storageinit;

import dev.storageinit.spi.support.Redactor;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Root of every error the library reports. The message is one readable line that starts with the source URI
 * (secrets redacted), so it can be shown to a user as it is. Secrets never show, even where a message or a cause
 * quotes one: the message, {@link #toString()} and stack traces are scrubbed of every secret the library knows of,
 * and a cause from outside the library is kept as a scrubbed copy (its class name, message and stack trace).
 */
public class StorageException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String uri;
    private final boolean retryable;

    /**
     * @param uri the source URI, already redacted (see {@link ModelUri#redacted()}); may be empty
     * @param detail what went wrong, without secrets
     * @param retryable whether trying the same operation again may succeed
     * @param cause the underlying error, or null
     */
    public StorageException(String uri, String detail, boolean retryable, Throwable cause) {
        super(Redactor.scrub(uri == null || uri.isEmpty() ? detail : uri + ": " + detail), Redactor.shield(cause));
        this.uri = uri == null ? "" : Redactor.scrub(uri);
        this.retryable = retryable;
    }

    /** The source URI this error is about, secrets redacted; empty when the error concerns no single URI. */
    public String uri() {
        return Redactor.scrub(uri);
    }

    /** True when the same operation may succeed if tried again (throttling, a cut connection, a 5xx answer). */
    public boolean isRetryable() {
        return retryable;
    }

    /** The message, scrubbed again: a secret registered after this error was made does not show either. */
    @Override
    public String getMessage() {
        return Redactor.scrub(super.getMessage());
    }

    /** Prints the stack trace, causes and suppressed exceptions included, scrubbed. */
    @Override
    public void printStackTrace(PrintStream s) {
        s.print(scrubbedStackTrace());
    }

    /** Prints the stack trace, causes and suppressed exceptions included, scrubbed. */
    @Override
    public void printStackTrace(PrintWriter s) {
        s.print(scrubbedStackTrace());
    }

    private String scrubbedStackTrace() {
        StringWriter w = new StringWriter();
        try (PrintWriter p = new PrintWriter(w)) {
            super.printStackTrace(p);
        }
        return Redactor.scrub(w.toString());
    }
}
