package dev.storageinit.testkit.memory;

import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.TransferLimits;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory reference store ({@code mem://b/key}: one bucket, {@value #BUCKET}), with the faults a healthy
 * server never shows injected through its own API ({@link #faults()}), since there is no wire to break. It runs the
 * conformance suite like every other provider and drives the engine's tests into states a real server cannot be put
 * in. Hand it to {@link dev.storageinit.Storage.Builder#providers}; it is not registered for
 * {@link java.util.ServiceLoader}.
 *
 * <p>Reads are pinned like a real store's: an object replaced since it was listed fails the read with an
 * {@link dev.storageinit.IntegrityException}. With {@link #requireToken} set, every request needs
 * {@value #TOKEN} to match.
 */
public final class MemoryProvider implements StorageProvider {
    /** The one bucket. */
    public static final String BUCKET = "b";
    /** The setting holding the token that {@link #requireToken} asks for. */
    public static final String TOKEN = "MEMORY_TOKEN";

    private final String scheme;
    private final NavigableMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
    private final Map<String, List<Checksum>> checksums = new ConcurrentHashMap<>();
    private volatile MemoryFaults faults = new MemoryFaults();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger listCalls = new AtomicInteger();
    private volatile int pageSize = 1000;
    private final Map<String, Integer> readsNow = new HashMap<>();
    private final AtomicInteger maxReads = new AtomicInteger();
    private final AtomicInteger maxObjects = new AtomicInteger();
    private final AtomicInteger maxReadsOfOneObject = new AtomicInteger();
    private volatile TransferLimits limits = TransferLimits.NONE;
    private volatile int readMillis;
    private volatile String token;

    /** A store for {@code mem://} URIs. */
    public MemoryProvider() {
        this("mem");
    }

    /** A store for URIs of {@code scheme}, to have two stores in one test. */
    public MemoryProvider(String scheme) {
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

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        return MemorySource.open(this, uri, context);
    }

    // ------------------------------------------------------------------ the store

    /** Stores (or replaces) an object; a folder marker is a key ending in '/'. */
    public void put(String key, byte[] content) {
        objects.put(key, content.clone());
    }

    /**
     * Stores {@code content} as if uploaded in parts of {@code partSize} bytes, with the multipart ETag S3 gives such
     * an object ({@code md5(md5(part 1) ... md5(part n))-n}) as its checksum.
     *
     * @return that ETag
     */
    public Checksum putInParts(String key, byte[] content, long partSize) {
        MessageDigest outer = md5();
        int parts = 0;
        for (long off = 0; off < content.length; off += partSize, parts++) {
            MessageDigest part = md5();
            part.update(content, (int) off, (int) Math.min(partSize, content.length - off));
            outer.update(part.digest());
        }
        Checksum etag = Checksum.ofHex(
                Checksum.Algorithm.MULTIPART_MD5, java.util.HexFormat.of().formatHex(outer.digest()) + "-" + parts);
        put(key, content);
        checksums(key, etag);
        return etag;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    /** The stored content of {@code key}, or null. */
    public byte[] get(String key) {
        byte[] b = objects.get(key);
        return b == null ? null : b.clone();
    }

    /** Removes every object and checksum. */
    public void clear() {
        objects.clear();
        checksums.clear();
    }

    /** The checksums the store vouches for on {@code key}, strongest first; none removes them. */
    public void checksums(String key, Checksum... strongestFirst) {
        if (strongestFirst.length == 0) {
            checksums.remove(key);
        } else {
            checksums.put(key, List.of(strongestFirst));
        }
    }

    /** The checksums of {@code key}, strongest first. */
    public List<Checksum> checksums(String key) {
        return checksums.getOrDefault(key, List.of());
    }

    /** From now on every request needs {@value #TOKEN} set to {@code token}. */
    public void requireToken(String token) {
        this.token = token;
    }

    /** What {@link #limits} answers. */
    public void limits(TransferLimits limits) {
        this.limits = limits;
    }

    /** Each read call takes {@code millis} before it answers, so that reads overlap and {@link #overlap} sees it. */
    public void slowReads(int millis) {
        this.readMillis = millis;
    }

    /** The faults the next reads meet. */
    public MemoryFaults faults() {
        return faults;
    }

    /** Replaces the faults by none, their counters at zero, and returns them to arm. */
    public MemoryFaults freshFaults() {
        faults = new MemoryFaults();
        return faults;
    }

    /** Objects per listing page (default 1000); a page's token is its last key. */
    public void pageSize(int objects) {
        this.pageSize = objects;
    }

    /** How many listing pages were asked for. */
    public int listCalls() {
        return listCalls.get();
    }

    /** How many read calls were made. */
    public int reads() {
        return reads.get();
    }

    /** The most read calls seen at once while {@link #slowReads} is on. */
    public record Overlap(int reads, int objects, int readsOfOneObject) {}

    /** The most read calls seen at once: in all, on distinct objects, on one object. */
    public Overlap overlap() {
        return new Overlap(maxReads.get(), maxObjects.get(), maxReadsOfOneObject.get());
    }

    /** Forgets the {@link #overlap} seen so far. */
    public void resetOverlap() {
        maxReads.set(0);
        maxObjects.set(0);
        maxReadsOfOneObject.set(0);
    }

    // ------------------------------------------------------------------ for MemorySource

    String token() {
        return token;
    }

    int pageSize() {
        return pageSize;
    }

    void listing() {
        listCalls.incrementAndGet();
    }

    NavigableMap<String, byte[]> objects() {
        return objects;
    }

    /** The object as listed: its size, its version (of its content) and checksums; null when there is none. */
    RemoteObject object(String key) {
        byte[] b = objects.get(key);
        return b == null ? null : new RemoteObject(key, b.length, versionOf(b), checksums(key));
    }

    static String versionOf(byte[] content) {
        return "v" + Arrays.hashCode(content) + "-" + content.length;
    }

    /** Counts a read call; while {@link #slowReads} is on, sleeps and records the calls in progress. */
    void reading(String key) {
        reads.incrementAndGet();
        int millis = readMillis;
        if (millis <= 0) {
            return;
        }
        synchronized (readsNow) {
            readsNow.merge(key, 1, Integer::sum);
            maxReads.accumulateAndGet(
                    readsNow.values().stream().mapToInt(Integer::intValue).sum(), Math::max);
            maxObjects.accumulateAndGet(readsNow.size(), Math::max);
            maxReadsOfOneObject.accumulateAndGet(readsNow.get(key), Math::max);
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (readsNow) {
                readsNow.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }
}
