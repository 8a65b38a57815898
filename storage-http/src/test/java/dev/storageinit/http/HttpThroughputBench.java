package dev.storageinit.http;

import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test (surefire's default includes skip it): a rough throughput check against the loopback fixture, run
 * with {@code mvn -pl storage-http -am verify -Dtest=HttpThroughputBench -Dsurefire.failIfNoSpecifiedTests=false}.
 * Prints the median of 3 runs for the provider with ranges, without ranges (each measured twice: the first
 * round includes JIT warm-up, which dominates on a cold 2-core JVM), and for a single curl stream.
 */
class HttpThroughputBench {
    @TempDir
    Path temp;

    @Test
    void run() throws Exception {
        int mib = Integer.getInteger("bench.mib", 256);
        byte[] content = HttpProviderTest.bytes(mib << 20, 1);
        try (HttpFixture server = new HttpFixture()) {
            server.put("/bench.bin", content);
            for (boolean ranges : new boolean[] {false, true, false, true}) { // the first two warm the JIT up
                server.ranges = ranges;
                long[] ms = new long[3];
                for (int i = 0; i < 3; i++) {
                    Path dest = temp.resolve("r" + ranges + i);
                    long t = System.nanoTime();
                    try (Storage s = Storage.builder().concurrency(8).build()) {
                        s.download(DownloadRequest.builder(server.url("/bench.bin"), dest)
                                .settings(CredentialSource.none())
                                .build());
                    }
                    ms[i] = (System.nanoTime() - t) / 1_000_000;
                    Files.delete(dest.resolve("bench.bin"));
                }
                java.util.Arrays.sort(ms);
                System.out.printf(
                        "BENCH provider ranges=%s: %d MiB in %d ms (%.0f MiB/s)%n",
                        ranges, mib, ms[1], mib * 1000.0 / ms[1]);
            }
            long[] ms = new long[3];
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                Process p = new ProcessBuilder(
                                "curl", "-sS", "-o", temp.resolve("curl.bin").toString(), server.url("/bench.bin"))
                        .inheritIO()
                        .start();
                p.waitFor();
                ms[i] = (System.nanoTime() - t) / 1_000_000;
            }
            java.util.Arrays.sort(ms);
            System.out.printf(
                    "BENCH curl single stream: %d MiB in %d ms (%.0f MiB/s)%n", mib, ms[1], mib * 1000.0 / ms[1]);
        }
    }
}
