package dev.storageinit.internal;

import dev.storageinit.spi.Checksum;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Verifies a {@link Checksum.Algorithm#MULTIPART_MD5} (an S3 multipart ETag: the MD5 of the MD5s of the N parts an
 * object was uploaded in) without knowing the part size. All parts but the last have the same size, so N and the
 * object's size leave a range of part sizes; uploaders pick whole MiB of at least 5 MiB (S3's smallest part but the
 * last), which narrows it to a few, most often one. The object's ranges are aligned to the likeliest, whose parts
 * each worker digests as it streams them in; should the result differ, the others are tried on the staged file.
 * The ETag itself proves the inference. When it still differs and a new download brings exactly the same bytes,
 * the inference was wrong, not the data: the ETag is then {@link #unverifiable()}.
 *
 * <p>One instance per file, reused by its whole-file retries ({@link #begin()} starts one).
 */
final class MultipartEtag {
    static final long MIB = 1L << 20;
    /** S3's smallest part but the last. */
    static final long MIN_PART = 5 * MIB;
    /** Part sizes tried at most: the others cost one MD5 pass each, and only when the likeliest differs. */
    static final int MAX_PART_SIZES = 4;

    private final Checksum expected;
    private final int parts;
    private final long size;
    /** The part sizes giving {@link #parts} parts, likeliest first; the ranges are aligned to the first. */
    private final List<Long> partSizes;
    /** This download's part MD5s for the first part size, filled in by the units as they stream. */
    private byte[][] md5s;
    /** The previous download's value for the first part size. */
    private String previous;

    private boolean unverifiable;

    private MultipartEtag(Checksum expected, int parts, long size, List<Long> partSizes) {
        this.expected = expected;
        this.parts = parts;
        this.size = size;
        this.partSizes = partSizes;
    }

    /** The multipart ETag among {@code checksums}, or null. */
    static Checksum find(List<Checksum> checksums) {
        for (Checksum c : checksums) { // loops, not streams: this runs once per file, mostly in a cold JVM
            if (isMultipart(c)) {
                return c;
            }
        }
        return null;
    }

    /** {@code checksums} without the multipart ETag: those that cover the whole object. */
    static List<Checksum> wholeObject(List<Checksum> checksums) {
        if (find(checksums) == null) {
            return checksums;
        }
        List<Checksum> whole = new ArrayList<>(checksums.size());
        for (Checksum c : checksums) {
            if (!isMultipart(c)) {
                whole.add(c);
            }
        }
        return whole;
    }

    private static boolean isMultipart(Checksum c) {
        return c.algorithm() == Checksum.Algorithm.MULTIPART_MD5;
    }

    /** The number of parts a multipart ETag names; 0 when it is not of the form {@code <32 hex>-<N>}. */
    static int partsOf(Checksum etag) {
        String hex = etag.hex();
        int dash = hex.indexOf('-');
        if (dash != 32 || hex.length() - dash - 1 < 1 || hex.length() - dash - 1 > 5) {
            return 0;
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            boolean ok = i == dash || (i > dash ? c >= '0' && c <= '9' : Character.digit(c, 16) >= 0);
            if (!ok) {
                return 0;
            }
        }
        return Integer.parseInt(hex.substring(dash + 1));
    }

    /** For an object of {@code size} bytes with multipart ETag {@code etag}; null when no part size fits. */
    static MultipartEtag of(Checksum etag, long size) {
        int parts = partsOf(etag);
        List<Long> sizes = partSizes(size, parts);
        return sizes.isEmpty() ? null : new MultipartEtag(etag, parts, size, sizes);
    }

    /**
     * The part sizes {@code p} that cut {@code size} bytes into {@code parts} parts, all of {@code p} bytes but a
     * last one of 1 to {@code p}: one part is the whole object; more are whole MiB of at least {@link #MIN_PART}, at
     * most {@link #MAX_PART_SIZES}, powers of two first (8 MiB: aws cli, boto3 and the SDKs' transfer managers;
     * 16 MiB: mc; 64 MiB: Hadoop s3a), then the rounder (more factors of two), then the smaller (5 MiB: rclone).
     * Empty when none fits.
     */
    static List<Long> partSizes(long size, int parts) {
        if (parts < 1 || size < parts) {
            return List.of();
        }
        if (parts == 1) {
            return List.of(size);
        }
        long lowest = Math.max((size + parts - 1) / parts, MIN_PART);
        long highest = (size - 1) / (parts - 1);
        List<Long> fits = new ArrayList<>();
        for (long p = (lowest + MIB - 1) / MIB * MIB; p <= highest; p += MIB) {
            fits.add(p);
        }
        fits.sort(Comparator.comparingInt((Long p) -> -Long.numberOfTrailingZeros(p))
                .thenComparingLong(p -> p));
        return List.copyOf(fits.subList(0, Math.min(fits.size(), MAX_PART_SIZES)));
    }

    Checksum etag() {
        return expected;
    }

    /** The byte ranges' length: whole parts of the likeliest size, as many as fit in {@code preferred}, at least one. */
    long rangeLength(long preferred) {
        long p = partSizes.get(0);
        return p * Math.max(1, preferred / p);
    }

    /** Starts a download of the object. */
    void begin() {
        md5s = new byte[parts][];
    }

    /** Digests the parts of the range from {@code offset} (a multiple of {@link #rangeLength}) to {@code end}. */
    Digests.Digest forRange(long offset, long end) {
        return new Parts(partSizes.get(0), offset, end, md5s);
    }

    /** True once the same bytes came twice, each time different from the ETag whatever the part size. */
    boolean unverifiable() {
        return unverifiable;
    }

    /**
     * Null when the download matches the ETag. Otherwise what differs, once {@code staged} has digested the staged
     * file with the other part sizes' digests; null too, and {@link #unverifiable()} from then on, when the
     * previous download brought the same bytes.
     */
    String verify(Stager staged) throws java.io.IOException {
        String got = combine(md5s);
        if (got.equals(expected.hex())) {
            return null;
        }
        List<Digests.Digest> others = new ArrayList<>();
        for (long p : partSizes.subList(1, partSizes.size())) {
            others.add(new Parts(p, 0, size, new byte[parts][]));
        }
        if (!others.isEmpty()) {
            staged.digest(others);
            for (Digests.Digest d : others) {
                if (d.hex().equals(expected.hex())) {
                    return null;
                }
            }
        }
        if (got.equals(previous)) {
            unverifiable = true;
            return null;
        }
        previous = got;
        return expected.algorithm() + " mismatch: store says " + expected.hex() + ", got " + got + " with parts of "
                + describe();
    }

    /** The part sizes tried, for messages. */
    String describe() {
        return partSizes.stream()
                .map(p -> p % MIB == 0 ? p / MIB + " MiB" : p + " bytes")
                .collect(Collectors.joining(" or "));
    }

    /** Feeds the whole staged file, in order, to digests. */
    interface Stager {
        void digest(List<Digests.Digest> digests) throws java.io.IOException;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 missing from the JDK", e);
        }
    }

    private static String combine(byte[][] partMd5s) {
        MessageDigest md = md5();
        for (byte[] m : partMd5s) {
            md.update(m);
        }
        return HexFormat.of().formatHex(md.digest()) + "-" + partMd5s.length;
    }

    /**
     * The MD5s of consecutive parts, fed in order from a part boundary to {@code end}; each part's goes into its
     * slot of {@code into} as its last byte comes. As a whole-object digest, its value is the multipart ETag.
     */
    private static final class Parts implements Digests.Digest {
        private final long partSize;
        private final long end;
        private final byte[][] into;
        private final MessageDigest md5 = md5();
        private long partStart;
        private long left;

        Parts(long partSize, long offset, long end, byte[][] into) {
            this.partSize = partSize;
            this.end = end;
            this.into = into;
            this.partStart = offset;
            this.left = Math.min(partSize, end - offset);
        }

        @Override
        public void update(byte[] b, int off, int len) {
            while (len > 0) {
                int n = (int) Math.min(len, left);
                if (n == 0) {
                    throw new IllegalStateException("more bytes than the range holds");
                }
                md5.update(b, off, n);
                off += n;
                len -= n;
                left -= n;
                if (left == 0) {
                    into[(int) (partStart / partSize)] = md5.digest();
                    partStart += partSize;
                    left = Math.min(partSize, end - partStart);
                }
            }
        }

        @Override
        public String hex() {
            return combine(into);
        }
    }
}
