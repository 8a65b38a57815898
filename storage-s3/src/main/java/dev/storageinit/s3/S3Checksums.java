package dev.storageinit.s3;

import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.support.Redactor;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * What S3 vouches for an object's content: its ETag (an MD5, or the MD5 of its parts' MD5s, unless the bucket
 * encrypts with SSE-KMS or SSE-C), its full-object checksums, and the MD5 rclone keeps in a multipart upload's
 * metadata. Thread-safe.
 */
final class S3Checksums {
    private static final System.Logger LOG = Redactor.logger("dev.storageinit.s3");
    private static final Pattern MD5_ETAG = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern MULTIPART_ETAG = Pattern.compile("[0-9a-fA-F]{32}-[0-9]+");
    /** The user metadata rclone writes on multipart uploads: the base64 MD5 of the whole file. */
    static final String RCLONE_MD5_METADATA = "md5chksum";

    private final String shown;
    /** False once we know the bucket's ETags are not MD5s (SSE-KMS or SSE-C objects). */
    private volatile boolean etagIsMd5 = true;

    S3Checksums(String shown) {
        this.shown = shown;
    }

    /** Whether {@code etag} is a multipart upload's ({@code <md5>-<N>}). */
    static boolean isMultipartEtag(String etag) {
        return etag != null
                && MULTIPART_ETAG.matcher(S3ObjectSource.unquote(etag)).matches();
    }

    /** From now on, ETags are not taken for MD5s (a read showed SSE-KMS or SSE-C). */
    void etagsAreNotMd5() {
        etagIsMd5 = false;
    }

    /**
     * What an ETag says of the content, unless SSE-KMS/SSE-C made it opaque: a single-part ETag is its MD5, a
     * multipart one ({@code <md5>-<N>}) the MD5 of its parts' MD5s.
     */
    Checksum ofEtag(String etag) {
        if (etag == null || !etagIsMd5) {
            return null;
        }
        String bare = S3ObjectSource.unquote(etag);
        if (MD5_ETAG.matcher(bare).matches()) {
            return Checksum.ofHex(Checksum.Algorithm.MD5, bare);
        }
        return MULTIPART_ETAG.matcher(bare).matches() ? Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, bare) : null;
    }

    /** Notes, from a HEAD, whether the bucket encrypts with SSE-KMS or SSE-C (then ETags are no MD5s). */
    void noteEncryption(HeadObjectResponse h) {
        if (h == null) {
            return;
        }
        String sse = h.serverSideEncryptionAsString();
        if (h.sseCustomerAlgorithm() != null || (sse != null && sse.startsWith("aws:kms"))) {
            etagIsMd5 = false;
        }
    }

    /**
     * The checksums a HEAD reported, strongest first: the best full-object one (SHA-256, CRC32C, CRC32, CRC64NVME),
     * the MD5 rclone keeps in the {@code md5chksum} metadata of multipart uploads, and what the ETag says (an MD5
     * ETag only without rclone's, which is the same MD5).
     */
    List<Checksum> of(String key, HeadObjectResponse h) {
        if (h == null) {
            return List.of();
        }
        List<Checksum> found = new ArrayList<>(3);
        Checksum full = fullObjectChecksum(h);
        if (full != null) {
            found.add(full);
        }
        Checksum rclone = rcloneMd5(h);
        if (rclone != null) {
            found.add(rclone);
        }
        noteEncryption(h);
        Checksum etag = ofEtag(h.eTag());
        if (etag != null && (rclone == null || etag.algorithm() == Checksum.Algorithm.MULTIPART_MD5)) {
            found.add(etag);
        }
        if (found.isEmpty() && h.eTag() != null && isMultipartEtag(h.eTag())) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}: {1}: its multipart ETag is not an MD5 (SSE-KMS or SSE-C) and"
                            + " the store keeps no other checksum for it: only its size is verified",
                    shown,
                    key);
        }
        return found;
    }

    private static Checksum fullObjectChecksum(HeadObjectResponse h) {
        if (h.checksumType() == ChecksumType.COMPOSITE) {
            return null;
        }
        if (full(h.checksumSHA256())) {
            return Checksum.ofBase64(Checksum.Algorithm.SHA256, h.checksumSHA256());
        }
        if (full(h.checksumCRC32C())) {
            return Checksum.ofBase64(Checksum.Algorithm.CRC32C, h.checksumCRC32C());
        }
        if (full(h.checksumCRC32())) {
            return Checksum.ofBase64(Checksum.Algorithm.CRC32, h.checksumCRC32());
        }
        if (full(h.checksumCRC64NVME())) {
            return Checksum.ofBase64(Checksum.Algorithm.CRC64NVME, h.checksumCRC64NVME());
        }
        return null;
    }

    private static Checksum rcloneMd5(HeadObjectResponse h) {
        String rcloneMd5 = h.hasMetadata() ? h.metadata().get(RCLONE_MD5_METADATA) : null;
        if (rcloneMd5 != null) {
            try {
                byte[] md5 = java.util.Base64.getDecoder().decode(rcloneMd5.trim());
                if (md5.length == 16) {
                    return Checksum.ofHex(
                            Checksum.Algorithm.MD5, java.util.HexFormat.of().formatHex(md5));
                }
            } catch (IllegalArgumentException e) {
                // not base64: not rclone's; ignore it
            }
        }
        return null;
    }

    private static boolean full(String value) {
        return value != null && !value.isEmpty() && value.indexOf('-') < 0; // "xxx-3" is a composite of parts
    }
}
