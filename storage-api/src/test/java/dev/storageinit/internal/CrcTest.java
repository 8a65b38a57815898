package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** CRC combination against the CRC of the whole, for every CRC the stores give. */
class CrcTest {
    private static long crcOf(Crc crc, byte[] data, int from, int to) {
        java.util.zip.Checksum c = crc.newChecksum();
        c.update(data, from, to - from);
        return c.getValue();
    }

    /** Cuts {@code data} at {@code cuts} and combines the pieces' CRCs left to right. */
    private static long combined(Crc crc, byte[] data, List<Integer> cuts) {
        long value = crcOf(crc, data, 0, 0);
        int from = 0;
        for (int to : cuts) {
            value = crc.combine(value, crcOf(crc, data, from, to), to - from);
            from = to;
        }
        return crc.combine(value, crcOf(crc, data, from, data.length), data.length - from);
    }

    @ParameterizedTest
    @EnumSource(Crc.class)
    void randomSplitsCombineToTheWholeFilesCrc(Crc crc) {
        Random random = new Random(crc.ordinal());
        for (int size : List.of(0, 1, 2, 7, 8, 9, 1023, 65_537, 1_000_003)) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            long whole = crcOf(crc, data, 0, size);
            for (int trial = 0; trial < 20; trial++) {
                TreeSet<Integer> cuts = new TreeSet<>();
                int pieces = random.nextInt(6);
                for (int i = 0; i < pieces; i++) {
                    cuts.add(random.nextInt(size + 1)); // 0 and size too: empty pieces at either end
                }
                List<Integer> withEmpty = new ArrayList<>(cuts);
                if (!withEmpty.isEmpty() && random.nextBoolean()) {
                    withEmpty.add(random.nextInt(withEmpty.size()), withEmpty.get(0)); // an empty piece inside
                    Collections.sort(withEmpty);
                }
                assertThat(crc.hex(combined(crc, data, withEmpty)))
                        .as(size + " bytes cut at " + withEmpty)
                        .isEqualTo(crc.hex(whole));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Crc.class)
    void combiningWithNothingChangesNothing(Crc crc) {
        byte[] one = {42};
        long value = crcOf(crc, one, 0, 1);
        long empty = crcOf(crc, one, 0, 0);
        assertThat(crc.combine(value, empty, 0)).isEqualTo(value);
        assertThat(crc.combine(empty, value, 1)).isEqualTo(value);
    }

    @ParameterizedTest
    @EnumSource(Crc.class)
    void rangesCompletingInAnyOrderGiveTheWholeFilesCrcOnceAllAreIn(Crc crc) {
        byte[] data = new byte[10 * 4099 + 5];
        new Random(11).nextBytes(data);
        int range = 4099;
        List<Integer> offsets = new ArrayList<>();
        for (int off = 0; off < data.length; off += range) {
            offsets.add(off);
        }
        Collections.shuffle(offsets, new Random(5));
        RangedCrc ranged = new RangedCrc(crc);
        for (int i = 0; i < offsets.size(); i++) {
            int off = offsets.get(i);
            int length = Math.min(range, data.length - off);
            Digests.Digest d = ranged.forRange(off, length);
            for (int at = off; at < off + length; at += 1000) { // in uneven slices, as reads return them
                d.update(data, at, Math.min(1000, off + length - at));
            }
            if (i < offsets.size() - 1) {
                assertThat(ranged.covered()).isLessThan(data.length);
            }
        }
        assertThat(ranged.covered()).isEqualTo(data.length);
        assertThat(ranged.hex()).isEqualTo(crc.hex(crcOf(crc, data, 0, data.length)));
    }

    @ParameterizedTest
    @EnumSource(Crc.class)
    void aRangeNotFullyReceivedIsNotCovered(Crc crc) {
        byte[] data = new byte[300];
        RangedCrc ranged = new RangedCrc(crc);
        ranged.forRange(0, 100).update(data, 0, 100);
        ranged.forRange(100, 100).update(data, 100, 99);
        ranged.forRange(200, 100).update(data, 200, 100);
        assertThat(ranged.covered()).isEqualTo(100);
    }
}
