package dev.storageinit.spi;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A checksum the store advertises for an object.
 *
 * @param algorithm which function
 * @param hex the value as lower-case hex (big-endian for the CRCs, as GCS and S3 encode them); for
 *     {@link Algorithm#MULTIPART_MD5}, the hex followed by {@code -} and the number of parts
 */
public record Checksum(Algorithm algorithm, String hex) {

    /** The functions the engine can verify. */
    public enum Algorithm {
        /** MD5, as in S3 single-part ETags, GCS md5Hash and Azure Content-MD5. */
        MD5,
        /** SHA-256, as in S3 x-amz-checksum-sha256 and a Git LFS object's {@code oid sha256:}. */
        SHA256,
        /**
         * A git blob id: the SHA-1 of {@code "blob <size>\0"} followed by the content, as the Hugging Face Hub gives
         * for files kept in git (not LFS).
         */
        GIT_BLOB_SHA1,
        /** CRC32C (Castagnoli), as in GCS crc32c and S3 x-amz-checksum-crc32c. */
        CRC32C,
        /** CRC32 (IEEE), as in S3 x-amz-checksum-crc32. */
        CRC32,
        /** CRC-64/NVME, as in S3 x-amz-checksum-crc64nvme (S3's default for objects uploaded without one). */
        CRC64NVME,
        /**
         * An S3 multipart ETag, {@code <md5>-<N>}: the MD5 of the binary MD5s of the N parts the object was uploaded
         * in. The part size is not part of it: the engine infers it from N and the object's size, and says so when
         * it cannot.
         */
        MULTIPART_MD5
    }

    /** Normalises the hex to lower case. */
    public Checksum {
        Objects.requireNonNull(algorithm, "algorithm");
        hex = Objects.requireNonNull(hex, "hex").toLowerCase(Locale.ROOT);
    }

    /** From a base64 value, as GCS and S3 send them. */
    public static Checksum ofBase64(Algorithm algorithm, String base64) {
        return new Checksum(
                algorithm, HexFormat.of().formatHex(Base64.getDecoder().decode(base64)));
    }

    /** From a hex value. */
    public static Checksum ofHex(Algorithm algorithm, String hex) {
        return new Checksum(algorithm, hex);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
