package dev.storageinit;

/** An object key or archive entry would be written outside the destination directory, or onto a reserved name; nothing is written for it. */
public class UnsafePathException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public UnsafePathException(String uri, String detail, Throwable cause) {
        super(uri, detail, false, cause);
    }

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public UnsafePathException(String uri, String detail) {
        this(uri, detail, null);
    }
}
