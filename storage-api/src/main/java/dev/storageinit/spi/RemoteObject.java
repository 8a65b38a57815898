package dev.storageinit.spi;

import java.util.List;
import java.util.Objects;

/**
 * One object as listed by a source.
 *
 * @param key the full key inside the container, as the store spells it
 * @param size size in bytes
 * @param version what pins reads to this exact content (S3 ETag, GCS generation, Azure ETag, a local file's
 *     modification time); null when the store offers none
 * @param checksums the checksums the store vouches for, strongest first, each verified by the engine after
 *     download (GCS gives CRC32C and MD5); empty when none
 */
public record RemoteObject(String key, long size, String version, List<Checksum> checksums) {
    /** Validates key and size; copies the checksums. */
    public RemoteObject {
        Objects.requireNonNull(key, "key");
        if (size < 0) {
            throw new IllegalArgumentException("negative size for " + key);
        }
        checksums = checksums == null ? List.of() : List.copyOf(checksums);
    }

    /** An object with one checksum, or none when {@code checksum} is null. */
    public RemoteObject(String key, long size, String version, Checksum checksum) {
        this(key, size, version, checksum == null ? List.<Checksum>of() : List.of(checksum));
    }

    /** An object with neither version nor checksum. */
    public static RemoteObject of(String key, long size) {
        return new RemoteObject(key, size, null, List.of());
    }

    /** The first (strongest) checksum, or null when the store gave none. */
    public Checksum checksum() {
        return checksums.isEmpty() ? null : checksums.get(0);
    }
}
