package dev.storageinit;

/**
 * A transfer failed: a connection was cut, the store answered with a server error or throttled us, the download
 * was interrupted. {@link #isRetryable()} says whether trying again may help; the engine has already retried
 * retryable failures a bounded number of times before reporting one.
 */
public class TransferException extends StorageException {
    private static final long serialVersionUID = 1L;

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
}
