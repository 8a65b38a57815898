package dev.storageinit;

import java.io.IOException;

/**
 * Root of every error the library reports. The message is one readable line that starts with the source URI
 * (secrets redacted), so it can be shown to a user as it is.
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
        super(uri == null || uri.isEmpty() ? detail : uri + ": " + detail, cause);
        this.uri = uri == null ? "" : uri;
        this.retryable = retryable;
    }

    /** The source URI this error is about, secrets redacted; empty when the error concerns no single URI. */
    public String uri() {
        return uri;
    }

    /** True when the same operation may succeed if tried again (throttling, a cut connection, a 5xx answer). */
    public boolean isRetryable() {
        return retryable;
    }
}
