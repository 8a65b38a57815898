package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RangeDigesterTest {
    private static final int RANGE = 1000;

    /** A digest whose "value" is every byte it was fed, in order. */
    private static final class Recording implements Digests.Digest {
        final ByteArrayOutputStream seen = new ByteArrayOutputStream();

        @Override
        public synchronized void update(byte[] b, int off, int len) {
            seen.write(b, off, len);
        }

        @Override
        public String hex() {
            return java.util.HexFormat.of().formatHex(seen.toByteArray());
        }
    }

    private final byte[] data = new byte[10 * RANGE];
    private final Recording digest = new Recording();

    RangeDigesterTest() {
        new java.util.Random(7).nextBytes(data);
    }

    private record Read(long from, long to) {}

    private final List<Read> reads = Collections.synchronizedList(new ArrayList<>());

    private void read(long from, long to, List<Digests.Digest> into) {
        reads.add(new Read(from, to));
        into.forEach(d -> d.update(data, (int) from, (int) (to - from)));
    }

    private RangeDigester digester(AtomicBoolean aborted) {
        return new RangeDigester("f.bin", List.of(digest), this::read, aborted::get);
    }

    @Test
    void rangesCompletingInAnyOrderAreDigestedInFileOrder() throws Exception {
        RangeDigester d = digester(new AtomicBoolean());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(3));
        for (int i : order) {
            d.rangeDone((long) i * RANGE, (long) (i + 1) * RANGE);
        }

        assertThat(d.finish()).isEqualTo(data.length);
        assertThat(digest.seen.toByteArray()).isEqualTo(data);
    }

    @Test
    void aRangeIsDigestedAsSoonAsThePrefixBeforeItIsComplete() throws Exception {
        RangeDigester d = digester(new AtomicBoolean());
        d.rangeDone(RANGE, 2 * RANGE);
        assertThat(reads).isEmpty(); // waits for the first range

        d.rangeDone(0, RANGE);
        assertThat(reads).containsExactly(new Read(0, RANGE), new Read(RANGE, 2 * RANGE));
    }

    @Test
    void aMissingRangeStopsTheDigestedPrefixBeforeIt() throws Exception {
        RangeDigester d = digester(new AtomicBoolean());
        d.rangeDone(0, RANGE);
        d.rangeDone(2 * RANGE, 3 * RANGE);

        assertThat(d.finish()).isEqualTo(RANGE);
    }

    @Test
    void nothingIsReadWhenNoChecksumIsVerified() throws Exception {
        RangeDigester d = new RangeDigester("f.bin", List.of(), this::read, () -> false);
        d.rangeDone(0, RANGE);

        assertThat(d.finish()).isZero();
        assertThat(reads).isEmpty();
    }

    @Test
    void anAbortedDownloadIsNotDigestedFurther() throws Exception {
        AtomicBoolean aborted = new AtomicBoolean();
        RangeDigester d = digester(aborted);
        d.rangeDone(0, RANGE);
        aborted.set(true);
        d.rangeDone(RANGE, 2 * RANGE);

        assertThat(d.finish()).isEqualTo(RANGE);
    }

    @Test
    void aRangeRecordedWhileAnotherWorkerDigestsIsPickedUpByThatWorker() throws Exception {
        CountDownLatch digesting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        RangeDigester d = new RangeDigester(
                "f.bin",
                List.of(digest),
                (from, to, into) -> {
                    threads.add(Thread.currentThread().getName());
                    if (from == 0) {
                        digesting.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new java.io.InterruptedIOException();
                        }
                    }
                    read(from, to, into);
                },
                () -> false);
        ExecutorService first = Executors.newSingleThreadExecutor(r -> new Thread(r, "first"));
        try {
            Future<?> f = first.submit(() -> {
                d.rangeDone(0, RANGE);
                return null;
            });
            assertThat(digesting.await(10, TimeUnit.SECONDS)).isTrue();
            d.rangeDone(RANGE, 2 * RANGE); // returns at once: "first" owns the digesting
            assertThat(threads).containsExactly("first");
            release.countDown();
            f.get(10, TimeUnit.SECONDS);
        } finally {
            first.shutdownNow();
        }

        assertThat(threads).containsExactly("first", "first");
        assertThat(d.finish()).isEqualTo(2 * RANGE);
    }

    @Test
    void manyWorkersCompletingRangesAtOnceYieldTheFileInOrder() throws Exception {
        for (int round = 0; round < 20; round++) {
            Recording recording = new Recording();
            RangeDigester d = new RangeDigester(
                    "f.bin",
                    List.of(recording),
                    (from, to, into) -> {
                        Thread.yield();
                        into.forEach(x -> x.update(data, (int) from, (int) (to - from)));
                    },
                    () -> false);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(round));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int i : order) {
                    done.add(pool.submit(() -> {
                        d.rangeDone((long) i * RANGE, (long) (i + 1) * RANGE);
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(10, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            assertThat(d.finish()).isEqualTo(data.length);
            assertThat(recording.seen.toByteArray()).isEqualTo(data);
        }
    }
}
