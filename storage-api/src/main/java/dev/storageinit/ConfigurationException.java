package dev.storageinit;

/** The settings are unusable: a missing CA bundle, a malformed credentials file, two providers claiming one URI. */
public class ConfigurationException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public ConfigurationException(String uri, String detail, Throwable cause) {
        super(uri, detail, false, cause);
    }

    /** @see StorageException#StorageException(String, String, boolean, Throwable) */
    public ConfigurationException(String uri, String detail) {
        this(uri, detail, null);
    }
}
