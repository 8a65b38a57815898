package dev.storageinit.internal;

import static dev.storageinit.internal.MultipartEtag.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.spi.Checksum;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Part-size inference and the verification of a multipart ETag, without a store. */
class MultipartEtagTest {

    /** The multipart ETag S3 gives {@code content} uploaded in parts of {@code partSize}. */
    static Checksum etag(byte[] content, long partSize) throws Exception {
        MessageDigest outer = MessageDigest.getInstance("MD5");
        int parts = 0;
        for (long off = 0; off < content.length; off += partSize, parts++) {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(content, (int) off, (int) Math.min(partSize, content.length - off));
            outer.update(md5.digest());
        }
        return Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, HexFormat.of().formatHex(outer.digest()) + "-" + parts);
    }

    private static byte[] bytes(long n, long seed) {
        byte[] b = new byte[(int) n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void partSizesAreWholeMibOfAtLeastFiveMibPowersOfTwoFirst() {
        assertThat(MultipartEtag.partSizes(64 * MIB, 8))
                .as("8 and 9 MiB both make 8 parts")
                .containsExactly(8 * MIB, 9 * MIB);
        assertThat(MultipartEtag.partSizes(3 * 5 * MIB + 1, 4))
                .as("a last part of one byte; 4 MiB is below S3's minimum")
                .containsExactly(5 * MIB);
        assertThat(MultipartEtag.partSizes(2 * 16 * MIB + 1, 3))
                .as("11 to 16 MiB fit: the four likeliest")
                .containsExactly(16 * MIB, 12 * MIB, 14 * MIB, 11 * MIB);
        assertThat(MultipartEtag.partSizes(6 * MIB + 1, 2)).containsExactly(6 * MIB, 5 * MIB);
        assertThat(MultipartEtag.partSizes(100 * MIB, 13)).containsExactly(8 * MIB);
        assertThat(MultipartEtag.partSizes(1234, 1))
                .as("one part is the object")
                .containsExactly(1234L);
        assertThat(MultipartEtag.partSizes(MIB, 4)).as("parts below 5 MiB").isEmpty();
        assertThat(MultipartEtag.partSizes(42 * MIB, 8))
                .as("5.25 MiB parts: no whole MiB fits")
                .isEmpty();
        assertThat(MultipartEtag.partSizes(0, 1)).isEmpty();
        assertThat(MultipartEtag.partSizes(100 * MIB, 0)).isEmpty();
    }

    @Test
    void theBenchmarksGibibyteInSixtyFourPartsIsCutIntoItsSixteenMibParts() {
        long gib = 1024 * MIB;
        assertThat(MultipartEtag.partSizes(gib, 64)).as("only 16 MiB fits").containsExactly(16 * MIB);
        MultipartEtag m = MultipartEtag.of(
                Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, "0123456789abcdef0123456789abcdef-64"), gib);
        assertThat(m.rangeLength(16 * MIB))
                .as("one range per part: each worker digests its own")
                .isEqualTo(16 * MIB);
        assertThat(m.rangeLength(8 * MIB)).as("never less than a part").isEqualTo(16 * MIB);
        assertThat(m.rangeLength(64 * MIB)).isEqualTo(64 * MIB);
    }

    @Test
    void sizesNoWholeMibPartSizeExplainsAreNotGuessed() {
        long gib = 1024 * MIB;
        assertThat(MultipartEtag.partSizes(gib, 63))
                .as("16.25 to 16.5 MiB: no whole MiB")
                .isEmpty();
        assertThat(MultipartEtag.partSizes(gib, 300))
                .as("3.4 MiB parts, below S3's minimum")
                .isEmpty();
        assertThat(MultipartEtag.partSizes(10, 20)).as("more parts than bytes").isEmpty();
        assertThat(MultipartEtag.partSizes(10 * MIB, 2))
                .as("ambiguous: 5 to 9 MiB fit; the four likeliest are tried, never a fifth")
                .containsExactly(8 * MIB, 6 * MIB, 5 * MIB, 7 * MIB);
        assertThat(MultipartEtag.of(
                        Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, "0123456789abcdef0123456789abcdef-63"), gib))
                .as("nothing to verify it with: the caller falls back")
                .isNull();
    }

    @Test
    void everyPartSizeGivesTheNumberOfParts() {
        for (long size : List.of(5 * MIB + 1, 16 * MIB, 16 * MIB + 1, 33 * MIB - 1, 64 * MIB, 1000 * MIB + 7)) {
            for (int parts = 2; parts <= 12; parts++) {
                for (long p : MultipartEtag.partSizes(size, parts)) {
                    assertThat((size + p - 1) / p)
                            .as(size + " in parts of " + p)
                            .isEqualTo(parts);
                    assertThat(p % MIB).isZero();
                }
            }
        }
    }

    @Test
    void theNumberOfPartsIsReadFromTheEtag() {
        String hex = "0123456789abcdef0123456789abcdef";
        assertThat(MultipartEtag.partsOf(Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, hex + "-8")))
                .isEqualTo(8);
        assertThat(MultipartEtag.partsOf(Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, hex + "-10000")))
                .isEqualTo(10000);
        for (String bad :
                List.of(hex, hex + "-", hex + "-123456", hex + "-1a", "0123-4", hex.replace('a', 'x') + "-2")) {
            assertThat(MultipartEtag.partsOf(Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, bad)))
                    .as(bad)
                    .isZero();
        }
    }

    /** Feeds {@code content} through ranges of {@link MultipartEtag#rangeLength}, in uneven slices. */
    private static void download(MultipartEtag m, byte[] content) {
        m.begin();
        long range = m.rangeLength(MIB);
        for (long off = 0; off < content.length; off += range) {
            long end = Math.min(content.length, off + range);
            Digests.Digest d = m.forRange(off, end);
            for (long at = off; at < end; ) {
                int n = (int) Math.min(end - at, 100_003);
                d.update(content, (int) at, n);
                at += n;
            }
        }
    }

    private static MultipartEtag.Stager staged(byte[] content) {
        return digests -> digests.forEach(d -> d.update(content, 0, content.length));
    }

    @Test
    void theLikeliestPartSizeIsDigestedPerRangeAndTheOthersOnlyWhenItDiffers() throws Exception {
        byte[] content = bytes(3 * 5 * MIB + 1, 1);
        MultipartEtag m = MultipartEtag.of(etag(content, 5 * MIB), content.length);
        assertThat(m.rangeLength(MIB)).isEqualTo(5 * MIB);
        assertThat(m.rangeLength(16 * MIB)).isEqualTo(15 * MIB);
        download(m, content);
        assertThat(m.verify(digests -> {
                    throw new AssertionError("the staged file is not read again");
                }))
                .isNull();

        byte[] second = bytes(6 * MIB + 1, 2); // uploaded as 5 MiB + (1 MiB + 1): 6 MiB is tried first
        MultipartEtag guess = MultipartEtag.of(etag(second, 5 * MIB), second.length);
        assertThat(guess.rangeLength(MIB)).isEqualTo(6 * MIB);
        download(guess, second);
        assertThat(guess.verify(staged(second))).isNull();
        assertThat(guess.unverifiable()).isFalse();
    }

    @Test
    void aCorruptDownloadDiffersAndTheSameBytesTwiceMeanAWrongInference() throws Exception {
        byte[] content = bytes(64 * MIB, 3);
        MultipartEtag m = MultipartEtag.of(etag(content, 8 * MIB), content.length);
        content[12345678] ^= 4;
        download(m, content);
        assertThat(m.verify(staged(content)))
                .startsWith("MULTIPART_MD5 mismatch: store says " + m.etag().hex())
                .endsWith(" with parts of 8 MiB or 9 MiB");
        content[12345678] ^= 4;
        content[40_000_000] ^= 1;
        download(m, content);
        assertThat(m.verify(staged(content)))
                .as("other bytes: corruption again")
                .isNotNull();
        assertThat(m.unverifiable()).isFalse();

        byte[] odd = bytes(11 * MIB, 4); // two parts of 5.5 MiB: 8, 6, 10 and 7 MiB fit, none is right
        MultipartEtag wrong = MultipartEtag.of(etag(odd, 11 * MIB / 2), odd.length);
        assertThat(wrong.describe()).isEqualTo("8 MiB or 6 MiB or 10 MiB or 7 MiB");
        download(wrong, odd);
        assertThat(wrong.verify(staged(odd))).isNotNull();
        download(wrong, odd);
        assertThat(wrong.verify(staged(odd))).isNull();
        assertThat(wrong.unverifiable()).isTrue();
    }
}
