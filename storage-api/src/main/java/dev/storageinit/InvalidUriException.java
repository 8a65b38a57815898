package dev.storageinit;

/** The URI is not of a form any installed provider accepts; the message lists the accepted forms. */
public class InvalidUriException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public InvalidUriException(String uri, String detail, Throwable cause) {
        super(uri, detail, false, cause);
    }

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public InvalidUriException(String uri, String detail) {
        this(uri, detail, null);
    }
}
