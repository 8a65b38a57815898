package dev.storageinit;

/** The store refused the credentials, or none were found; the message says which credential source was used (never its values). */
public class AccessDeniedException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public AccessDeniedException(String uri, String detail, Throwable cause) {
        super(uri, detail, false, cause);
    }

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public AccessDeniedException(String uri, String detail) {
        this(uri, detail, null);
    }
}
