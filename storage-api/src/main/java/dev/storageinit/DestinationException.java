package dev.storageinit;

/**
 * The destination cannot take the download: a local write failed (the disk is full, the file system is read-only or
 * refuses a name), or another download holds the destination. Not caused by the store, so never retried by the
 * engine; the message names the local path.
 */
public class DestinationException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public DestinationException(String uri, String detail, boolean retryable, Throwable cause) {
        super(uri, detail, retryable, cause);
    }
}
