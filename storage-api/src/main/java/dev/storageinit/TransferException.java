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
}
