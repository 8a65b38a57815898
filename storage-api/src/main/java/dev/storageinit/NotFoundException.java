package dev.storageinit;

/** Nothing exists at the URI: no object under the folder and no object of that exact name, or no such bucket/container/claim. */
public class NotFoundException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public NotFoundException(String uri, String detail, Throwable cause) {
        super(uri, detail, false, cause);
    }

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public NotFoundException(String uri, String detail) {
        this(uri, detail, null);
    }
}
