package dev.storageinit.spi;

import java.util.Objects;

/**
 * One object as listed by a source.
 *
 * @param key the full key inside the container, as the store spells it
 * @param size size in bytes
 * @param version what pins reads to this exact content (S3 ETag, GCS generation, Azure ETag, a local file's
 *     modification time); null when the store offers none
 * @param checksum a checksum the store vouches for, verified by the engine after download; null when none
 */
public record RemoteObject(String key, long size, String version, Checksum checksum) {
    /** Validates key and size. */
    public RemoteObject {
        Objects.requireNonNull(key, "key");
        if (size < 0) {
            throw new IllegalArgumentException("negative size for " + key);
        }
    }

    /** An object with neither version nor checksum. */
    public static RemoteObject of(String key, long size) {
        return new RemoteObject(key, size, null, null);
    }
}
