package dev.storageinit.testkit.memory;

import dev.storageinit.StorageException;
import dev.storageinit.testkit.Faults;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults of a {@link MemoryProvider}'s next reads, each read call standing for one connection: a body cut or
 * stalled after N bytes, an HTTP status instead of the data, corrupted bytes, or one error for every read.
 */
public final class MemoryFaults implements Faults {
    private final AtomicInteger cutsLeft = new AtomicInteger();
    private final AtomicInteger cutsDone = new AtomicInteger();
    private volatile long cutAfter;

    private final AtomicInteger stallsLeft = new AtomicInteger();
    private final AtomicInteger stallsDone = new AtomicInteger();
    private volatile long stallAfter;

    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger failuresDone = new AtomicInteger();
    private volatile int failStatus;
    private volatile String failReason;

    private final AtomicInteger listingFailuresLeft = new AtomicInteger();

    private final AtomicInteger corruptLeft = new AtomicInteger();
    private volatile boolean corruptAnywhere;
    private volatile StorageException everyRead;

    MemoryFaults() {}

    /** The next {@code reads} reads longer than {@code bytes} end with an IOException after {@code bytes}. */
    @Override
    public void cutAfter(long bytes, int reads) {
        cutAfter = bytes;
        cutsLeft.set(reads);
    }

    @Override
    public int cutsDone() {
        return cutsDone.get();
    }

    /**
     * The next {@code reads} reads longer than {@code bytes} send nothing after {@code bytes} until the source's
     * read timeout ({@code STORAGE_READ_TIMEOUT}) has passed, then fail with an IOException, as a socket would.
     */
    @Override
    public void stallRangedReads(int reads, long bytes) {
        stallAfter = bytes;
        stallsLeft.set(reads);
    }

    @Override
    public int stallsDone() {
        return stallsDone.get();
    }

    /** The next {@code times} reads fail as a store answering {@code status} would (429 and 5xx retryably). */
    @Override
    public void failNextRangedReads(int times, int status, String reason) {
        failStatus = status;
        failReason = reason;
        failuresLeft.set(times);
    }

    @Override
    public int cannedSent() {
        return failuresDone.get();
    }

    /** The next {@code times} listing pages fail retryably, as a store answering 503 would. */
    public void failNextListings(int times) {
        listingFailuresLeft.set(times);
    }

    /** The next {@code reads} reads have one byte changed: the first, or one at random when {@code anywhere}. */
    public void corruptNextReads(int reads, boolean anywhere) {
        corruptAnywhere = anywhere;
        corruptLeft.set(reads);
    }

    /** Every read fails with {@code error} (null: no longer). */
    public void failEveryRead(StorageException error) {
        everyRead = error;
    }

    // ------------------------------------------------------------------ for MemorySource

    StorageException everyRead() {
        return everyRead;
    }

    /** The status the next read answers with, or 0 for none. */
    int nextStatus() {
        if (failuresLeft.getAndDecrement() > 0) {
            failuresDone.incrementAndGet();
            return failStatus;
        }
        return 0;
    }

    /** Whether this listing page fails. */
    boolean failListing() {
        return listingFailuresLeft.getAndDecrement() > 0;
    }

    String reason() {
        return failReason;
    }

    /** Whether to corrupt this read, and where (-1: not). */
    int corruptAt(int length, java.util.function.IntUnaryOperator random) {
        if (corruptLeft.getAndDecrement() > 0 && length > 0) {
            return corruptAnywhere ? random.applyAsInt(length) : 0;
        }
        return -1;
    }

    /** After how many bytes this read of {@code length} is cut, or -1. */
    long cutAt(long length) {
        long cut = cutAfter;
        if (cut > 0 && cutsLeft.getAndDecrement() > 0 && length > cut) {
            cutsDone.incrementAndGet();
            return cut;
        }
        return -1;
    }

    /** After how many bytes this read of {@code length} stalls, or -1. */
    long stallAt(long length) {
        long stall = stallAfter;
        if (stallsLeft.get() > 0 && length > stall && stallsLeft.getAndDecrement() > 0) {
            stallsDone.incrementAndGet();
            return stall;
        }
        return -1;
    }
}
