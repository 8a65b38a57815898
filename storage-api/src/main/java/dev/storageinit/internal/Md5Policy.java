package dev.storageinit.internal;

import dev.storageinit.ConfigurationException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which of the checksums a store keeps the engine verifies, by {@code STORAGE_VERIFY_MD5}. MD5 is the one that
 * costs: ~320 MB/s per core with a C1-only JVM, ~580 MB/s with C2, where CRC32C runs at several GB/s.
 *
 * <p>A multipart ETag ({@link Checksum.Algorithm#MULTIPART_MD5}) counts as an MD5, one whose parts are digested in
 * parallel, where an MD5 of the whole object is digested in file order.
 *
 * <ul>
 *   <li>{@code auto} (default): every checksum but an MD5 that a cheaper one already covers (GCS keeps CRC32C and
 *       MD5: CRC32C is verified). An object whose only checksums are MD5s (S3 ETags, rclone's multipart metadata,
 *       Azure Content-MD5) gets one verified: its multipart ETag when it has one, else its MD5.
 *   <li>{@code always}: every checksum the store keeps.
 *   <li>{@code never}: no MD5 at all, for TLS endpoints where MD5 would be the bottleneck; sizes and the CRC and
 *       SHA-256 checksums are still verified.
 * </ul>
 */
enum Md5Policy {
    AUTO,
    ALWAYS,
    NEVER;

    static final String VARIABLE = "STORAGE_VERIFY_MD5";

    static Md5Policy from(Settings settings) throws ConfigurationException {
        Optional<Setting> value = settings.get(VARIABLE);
        switch (value.map(v -> v.value().toLowerCase(Locale.ROOT)).orElse("auto")) {
            case "auto":
                return AUTO;
            case "always":
            case "true":
                return ALWAYS;
            case "never":
            case "false":
                return NEVER;
            default:
                throw value.get().invalid("must be auto, always or never");
        }
    }

    /** The checksums to verify, in the store's order. */
    List<Checksum> select(List<Checksum> kept) {
        boolean md5 = false;
        boolean other = false;
        boolean multipart = false;
        for (Checksum c : kept) { // loops, not streams: this runs once per file, mostly in a cold JVM
            md5 |= isMd5(c);
            other |= !isMd5(c);
            multipart |= isMultipart(c);
        }
        if (this == ALWAYS || !md5) {
            return kept;
        }
        boolean covered = this == NEVER || other;
        List<Checksum> selected = new ArrayList<>(kept.size());
        for (Checksum c : kept) {
            if (!isMd5(c) || (!covered && (!multipart || isMultipart(c)))) {
                selected.add(c);
            }
        }
        return selected;
    }

    private static boolean isMd5(Checksum c) {
        return c.algorithm() == Checksum.Algorithm.MD5 || isMultipart(c);
    }

    private static boolean isMultipart(Checksum c) {
        return c.algorithm() == Checksum.Algorithm.MULTIPART_MD5;
    }
}
