package dev.storageinit.spi.support;

import dev.storageinit.StorageException;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A foreign exception kept as the cause of a {@link StorageException} without what it might quote (an SDK's or the
 * JDK's message may hold a whole request URL): the original class name, its {@linkplain Redactor#scrub scrubbed}
 * message and its stack trace, with its causes and suppressed exceptions scrubbed the same way. A stack trace
 * printed with {@code --verbose} stays useful and clean.
 */
final class ScrubbedCause extends Exception {
    private static final long serialVersionUID = 1L;

    private final String type;

    private ScrubbedCause(Throwable original, Throwable cause) {
        super(Redactor.scrub(original.getMessage()), cause, true, true);
        this.type = original.getClass().getName();
        setStackTrace(original.getStackTrace());
    }

    static Throwable of(Throwable error) {
        return of(error, new IdentityHashMap<>());
    }

    /** Copies the chain from its root up; {@code done} maps what was copied (null while in progress: a cycle). */
    private static Throwable of(Throwable error, Map<Throwable, Throwable> done) {
        if (error == null || error instanceof StorageException || error instanceof ScrubbedCause) {
            return error;
        }
        if (done.containsKey(error)) {
            return done.get(error);
        }
        done.put(error, null);
        Throwable cause = error.getCause();
        ScrubbedCause copy = new ScrubbedCause(error, cause == error ? null : of(cause, done));
        done.put(error, copy);
        for (Throwable s : error.getSuppressed()) {
            Throwable scrubbed = of(s, done);
            if (scrubbed != null) {
                copy.addSuppressed(scrubbed);
            }
        }
        return copy;
    }

    @Override
    public String getMessage() {
        return Redactor.scrub(super.getMessage());
    }

    @Override
    public String toString() {
        String message = getMessage();
        return message == null ? type : type + ": " + message;
    }
}
