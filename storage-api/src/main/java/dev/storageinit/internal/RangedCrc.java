package dev.storageinit.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * One whole-object CRC of a ranged file: each range's CRC is computed by the worker that received its bytes
 * ({@link #forRange}) and the values are combined in file order once every range is in ({@link Crc#combine}). As a
 * {@link Digests.Digest} its value is the combination; it takes no bytes itself.
 */
final class RangedCrc implements Digests.Digest {
    private final Crc crc;
    /** Completed ranges: offset to [length, CRC]. */
    private final TreeMap<Long, long[]> ranges = new TreeMap<>();

    RangedCrc(Crc crc) {
        this.crc = crc;
    }

    /** The digest the range of {@code length} bytes from {@code offset} streams into; its CRC counts once complete. */
    Digests.Digest forRange(long offset, long length) {
        java.util.zip.Checksum c = crc.newChecksum();
        if (length == 0) {
            done(offset, 0, c.getValue());
        }
        return new Digests.Digest() {
            private long left = length;

            @Override
            public void update(byte[] b, int off, int len) {
                if (len > left) {
                    throw new IllegalStateException("more bytes than the range holds");
                }
                c.update(b, off, len);
                left -= len;
                if (left == 0) {
                    done(offset, length, c.getValue());
                }
            }

            @Override
            public String hex() {
                return crc.hex(c.getValue());
            }
        };
    }

    private synchronized void done(long offset, long length, long value) {
        ranges.put(offset, new long[] {length, value});
    }

    /** The bytes from offset 0 that completed ranges cover without a gap. */
    synchronized long covered() {
        long at = 0;
        for (Map.Entry<Long, long[]> r : ranges.entrySet()) {
            if (r.getKey() != at) {
                break;
            }
            at += r.getValue()[0];
        }
        return at;
    }

    @Override
    public void update(byte[] b, int off, int len) {
        throw new UnsupportedOperationException("a ranged CRC takes its bytes range by range");
    }

    /** The CRC of the {@link #covered()} prefix. */
    @Override
    public synchronized String hex() {
        long value = crc.newChecksum().getValue(); // the CRC of no bytes
        long at = 0;
        for (Map.Entry<Long, long[]> r : ranges.entrySet()) {
            if (r.getKey() != at) {
                break;
            }
            value = crc.combine(value, r.getValue()[1], r.getValue()[0]);
            at += r.getValue()[0];
        }
        return crc.hex(value);
    }
}
