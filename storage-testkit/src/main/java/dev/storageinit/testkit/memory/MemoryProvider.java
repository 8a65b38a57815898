package dev.storageinit.internal;

import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.TransferLimits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An in-memory store for engine tests ({@code mem://bucket/key}) with injectable faults. Provider tests use real
 * servers; this exists to drive the engine into states a healthy server never shows.
 */
final class MemoryProvider implements StorageProvider {
    final Map<String, byte[]> objects = new TreeMap<>();
    final Map<String, Checksum> checksums = new ConcurrentHashMap<>();
    /** A second checksum for an object, after the one in {@link #checksums}. */
    final Map<String, Checksum> secondChecksums = new ConcurrentHashMap<>();

    final AtomicInteger reads = new AtomicInteger();
    /** Reads that fail before sending a byte, with a retryable IOException. */
    final AtomicInteger failNextReads = new AtomicInteger();
    /** Reads that end after this many bytes with an IOException (cut connection); 0 = off. */
    volatile int cutAfter;

    final AtomicInteger cutsLeft = new AtomicInteger();
    /** Reads whose first byte is flipped. */
    final AtomicInteger corruptNextReads = new AtomicInteger();
    /** With {@link #corruptNextReads}: a byte at a random position instead, so that no two downloads agree. */
    volatile boolean corruptAnywhere;
    /** When set, every read fails with this (non-retryable) error. */
    volatile StorageException readError;
    /** What {@link #limits} answers; and, to see them applied, how long each read call takes. */
    volatile TransferLimits limits = TransferLimits.NONE;

    volatile int readMillis;
    /** The most read calls seen at once: in all, on distinct objects, on one object. */
    final AtomicInteger maxReads = new AtomicInteger();

    final AtomicInteger maxObjects = new AtomicInteger();
    final AtomicInteger maxReadsOfOneObject = new AtomicInteger();
    private final Map<String, Integer> readsNow = new TreeMap<>();
    private final String scheme;

    /** A store for {@code mem://} URIs. */
    MemoryProvider() {
        this("mem");
    }

    /** A store for URIs of {@code scheme}, to have two stores in one test. */
    MemoryProvider(String scheme) {
        this.scheme = scheme;
    }

    @Override
    public String name() {
        return scheme.equals("mem") ? "memory" : "memory-" + scheme;
    }

    @Override
    public Set<String> schemes() {
        return Set.of(scheme);
    }

    @Override
    public TransferLimits limits(ModelUri uri, CredentialSource settings) {
        return limits;
    }

    /** Counts the read calls in progress while one sleeps {@link #readMillis}. */
    private void overlap(String key) {
        synchronized (readsNow) {
            readsNow.merge(key, 1, Integer::sum);
            maxReads.accumulateAndGet(
                    readsNow.values().stream().mapToInt(Integer::intValue).sum(), Math::max);
            maxObjects.accumulateAndGet(readsNow.size(), Math::max);
            maxReadsOfOneObject.accumulateAndGet(readsNow.get(key), Math::max);
        }
        try {
            Thread.sleep(readMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (readsNow) {
                readsNow.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    void put(String key, byte[] content) {
        objects.put(key, content);
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) {
        return new ObjectSource() {
            @Override
            public String key() {
                return uri.path();
            }

            @Override
            public void list(String prefix, Consumer<RemoteObject> sink) {
                for (Map.Entry<String, byte[]> e : Map.copyOf(objects).entrySet()) {
                    if (e.getKey().startsWith(prefix)) {
                        sink.accept(object(e.getKey()));
                    }
                }
            }

            @Override
            public Optional<RemoteObject> stat(String key) {
                return objects.containsKey(key) ? Optional.of(object(key)) : Optional.empty();
            }

            @Override
            public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
                reads.incrementAndGet();
                if (readMillis > 0) {
                    overlap(object.key());
                }
                if (readError != null) {
                    throw readError;
                }
                if (failNextReads.getAndDecrement() > 0) {
                    throw new TransferException(uri.redacted(), "503 slow down", true, null);
                }
                byte[] all = objects.get(object.key());
                byte[] slice = java.util.Arrays.copyOfRange(all, (int) offset, (int) (offset + length));
                if (corruptNextReads.getAndDecrement() > 0 && slice.length > 0) {
                    slice[
                            corruptAnywhere
                                    ? java.util.concurrent.ThreadLocalRandom.current()
                                            .nextInt(slice.length)
                                    : 0] ^= 0x55;
                }
                int cut = cutAfter;
                if (cut > 0 && cutsLeft.getAndDecrement() > 0 && slice.length > cut) {
                    return new InputStream() {
                        int pos;

                        @Override
                        public int read() throws IOException {
                            if (pos >= cut) {
                                throw new IOException("connection reset");
                            }
                            return slice[pos++] & 0xff;
                        }
                    };
                }
                return new ByteArrayInputStream(slice);
            }
        };
    }

    private RemoteObject object(String key) {
        byte[] b = objects.get(key);
        List<Checksum> sums = new ArrayList<>();
        Optional.ofNullable(checksums.get(key)).ifPresent(sums::add);
        Optional.ofNullable(secondChecksums.get(key)).ifPresent(sums::add);
        return new RemoteObject(key, b.length, "v" + java.util.Arrays.hashCode(b), sums);
    }
}
