package dev.storageinit;

import java.time.Duration;
import java.util.Optional;

/**
 * A transfer failed: a connection was cut, the store answered with a server error or throttled us, the download
 * was interrupted. {@link #isRetryable()} says whether trying again may help; the engine has already retried
 * retryable failures a bounded number of times before reporting one.
 */
public class TransferException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** How long the server asked to wait before the next try, or null. */
    private Duration retryAfter;

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public TransferException(String uri, String detail, boolean retryable, Throwable cause) {
        super(uri, detail, retryable, cause);
    }

    /** A failure that trying again may cure (a cut connection, throttling, a 5xx answer). */
    public static TransferException retryable(String uri, String detail, Throwable cause) {
        return new TransferException(uri, detail, true, cause);
    }

    /** A failure that trying again will not cure. */
    public static TransferException fatal(String uri, String detail, Throwable cause) {
        return new TransferException(uri, detail, false, cause);
    }

    /**
     * How long the server asked to wait before trying again ({@code Retry-After}, {@code RateLimit}); retries
     * wait at least this long. Empty when it said nothing.
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Records the wait the server asked for (see {@link #retryAfter()}); returns this exception. */
    public TransferException retryAfter(Duration wait) {
        if (wait.isNegative()) {
            throw new IllegalArgumentException("negative wait " + wait);
        }
        this.retryAfter = wait;
        return this;
    }
}
