import java.security.MessageDigest;
import java.util.Random;
import java.util.function.Supplier;

/**
 * One thread's digest speed over 256 KiB buffers (the engine's buffer size), for bench/digest-bench.sh: the JDK's
 * MD5 and SHA-256 against BouncyCastle's pure-Java ones (when bcprov is on the class path), CRC32C, and the engine's
 * CRC-64/NVME. Each is warmed up for about a second first (so C2 has compiled it), then timed for about two.
 */
class DigestSpeed {
    interface Digest {
        void update(byte[] b, int off, int len);
    }

    public static void main(String[] args) throws Exception {
        byte[] buf = new byte[256 << 10];
        new Random(1).nextBytes(buf);
        run("MD5 (JDK)", buf, () -> jdk("MD5"));
        run("SHA-256 (JDK)", buf, () -> jdk("SHA-256"));
        try {
            Class.forName("org.bouncycastle.crypto.digests.MD5Digest");
            run("MD5 (BouncyCastle)", buf, () -> bc(new org.bouncycastle.crypto.digests.MD5Digest()));
            run("SHA-256 (BouncyCastle)", buf, () -> bc(new org.bouncycastle.crypto.digests.SHA256Digest()));
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            System.out.println("BouncyCastle not on the class path");
        }
        run("CRC32C (JDK)", buf, () -> {
            java.util.zip.CRC32C c = new java.util.zip.CRC32C();
            return c::update;
        });
        run("CRC64NVME (engine)", buf, () -> {
            var d = dev.storageinit.internal.Digests.create(dev.storageinit.spi.Checksum.Algorithm.CRC64NVME);
            return d::update;
        });
    }

    static Digest jdk(String name) {
        try {
            MessageDigest md = MessageDigest.getInstance(name);
            return md::update;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Digest bc(org.bouncycastle.crypto.Digest d) {
        return d::update;
    }

    static void run(String name, byte[] buf, Supplier<Digest> factory) {
        Digest d = factory.get();
        long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            d.update(buf, 0, buf.length);
        }
        long bytes = 0;
        long start = System.nanoTime();
        end = start + 2_000_000_000L;
        long now;
        while ((now = System.nanoTime()) < end) {
            d.update(buf, 0, buf.length);
            bytes += buf.length;
        }
        System.out.printf("%-24s %8.0f MB/s%n", name, bytes / 1e6 / ((now - start) / 1e9));
    }
}
