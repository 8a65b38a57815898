package dev.storageinit;

/** Downloaded bytes do not match what the store advertised (size or checksum), or the object changed while it was read. */
public class IntegrityException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public IntegrityException(String uri, String detail, Throwable cause) {
        super(uri, detail, false, cause);
    }

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public IntegrityException(String uri, String detail) {
        this(uri, detail, null);
    }
}
