package dev.storageinit.internal;

import dev.storageinit.spi.Checksum;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The CRCs stores give, all reflected with initial value and final xor all ones, and the combination of two
 * consecutive ranges' values into the value of both (zlib's {@code crc32_combine}): {@code crc(A·B) = crc(A)·x^(8|B|)
 * ⊕ crc(B)} modulo the polynomial in GF(2), so each range of a large object is checked by the worker that received
 * it and nothing reads the file again in order. The multiplication and the table of x^(2^k) follow zlib 1.2.12's
 * {@code multmodp} and {@code x2nmodp}, for 32 and 64 bits. Written here: no library on Maven Central combines
 * CRC32C or CRC-64/NVME values in Java (the AWS CRT does, natively).
 */
enum Crc {
    CRC32(32, 0xEDB88320L),
    CRC32C(32, 0x82F63B78L),
    CRC64NVME(64, 0x9A6C9329AC4BC9B5L);

    /** The polynomial, reflected. */
    private final long poly;
    /** x^0 in the reflected representation. */
    private final long one;

    private final int hexDigits;
    /** x^(2^k) modulo the polynomial; lengths below 2^63 bytes need k up to 3 + 63. */
    private final long[] x2n = new long[67];

    Crc(int width, long poly) {
        this.poly = poly;
        this.one = 1L << (width - 1);
        this.hexDigits = width / 4;
        x2n[0] = one >>> 1; // x^1
        for (int k = 1; k < x2n.length; k++) {
            x2n[k] = multiply(x2n[k - 1], x2n[k - 1]);
        }
    }

    /** The CRC for a checksum algorithm, or null when it is not one. */
    static Crc of(Checksum.Algorithm algorithm) {
        return switch (algorithm) {
            case CRC32 -> CRC32;
            case CRC32C -> CRC32C;
            case CRC64NVME -> CRC64NVME;
            default -> null;
        };
    }

    /** A fresh incremental implementation (the JDK's intrinsics for CRC32 and CRC32C). */
    java.util.zip.Checksum newChecksum() {
        return switch (this) {
            case CRC32 -> new CRC32();
            case CRC32C -> new CRC32C();
            case CRC64NVME -> new Crc64Nvme();
        };
    }

    /** The value as the stores spell it: lower-case hex, big-endian, zero-padded. */
    String hex(long value) {
        String digits = Long.toHexString(value);
        return "0".repeat(hexDigits - digits.length()) + digits;
    }

    /**
     * The CRC of A followed by B.
     *
     * @param first the CRC of A
     * @param second the CRC of B
     * @param secondLength B's length in bytes, 0 or more
     */
    long combine(long first, long second, long secondLength) {
        if (secondLength == 0) {
            return first;
        }
        return multiply(powerOfX(secondLength, 3), first) ^ second;
    }

    /** a(x)·b(x) modulo the polynomial, both reflected; a is not 0. */
    private long multiply(long a, long b) {
        long p = 0;
        for (long m = one; m != 0; m >>>= 1) {
            if ((a & m) != 0) {
                p ^= b;
                if ((a & (m - 1)) == 0) {
                    break;
                }
            }
            b = (b & 1) != 0 ? (b >>> 1) ^ poly : b >>> 1;
        }
        return p;
    }

    /** x^(n·2^k) modulo the polynomial. */
    private long powerOfX(long n, int k) {
        long p = one;
        for (; n != 0; n >>>= 1, k++) {
            if ((n & 1) != 0) {
                p = multiply(x2n[k], p);
            }
        }
        return p;
    }
}
