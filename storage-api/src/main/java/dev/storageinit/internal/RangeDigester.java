package dev.storageinit.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Digests a ranged file in file order while its ranges complete in any order, so that verifying a large object
 * overlaps its download instead of re-reading it at the end. The worker whose range extends the contiguous completed
 * prefix digests it (one worker at a time), reading it back from the staging file while it is in the page cache.
 */
final class RangeDigester {
    /** Feeds bytes {@code from} to {@code to} of the staged file to {@code into}. */
    interface Staged {
        void digest(long from, long to, List<Digests.Digest> into) throws IOException;
    }

    private final String relative;
    private final List<Digests.Digest> digests;
    private final Staged staged;
    private final BooleanSupplier aborted;
    /** Completed ranges not yet digested (offset to end). */
    private final TreeMap<Long, Long> undigested = new TreeMap<>();

    private long digestedTo;
    private boolean digesting;

    RangeDigester(String relative, List<Digests.Digest> digests, Staged staged, BooleanSupplier aborted) {
        this.relative = relative;
        this.digests = digests;
        this.staged = staged;
        this.aborted = aborted;
    }

    /** Records the completed range {@code from}..{@code to}, and digests it if it extends the digested prefix. */
    void rangeDone(long from, long to) throws IOException {
        if (digests.isEmpty()) {
            return;
        }
        synchronized (this) {
            undigested.put(from, to);
            if (digesting) {
                return; // the worker digesting now picks it up
            }
            digesting = true;
        }
        digestContiguous();
    }

    /**
     * Once every range has completed: waits for a worker still digesting, then digests what is left.
     *
     * @return the length of the digested prefix: the file's size unless a range is missing or the download aborted
     */
    long finish() throws IOException {
        synchronized (this) {
            while (digesting) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while verifying " + relative);
                }
            }
            digesting = true;
        }
        digestContiguous();
        synchronized (this) {
            return digestedTo;
        }
    }

    /**
     * Called with {@code digesting} owned; digests completed ranges in order, then releases it in the same step
     * that finds nothing more to do, so that a range recorded meanwhile is never left to wait.
     */
    private void digestContiguous() throws IOException {
        boolean owned = true;
        try {
            while (true) {
                long from;
                long to;
                synchronized (this) {
                    Long end = aborted.getAsBoolean() ? null : undigested.remove(digestedTo);
                    if (end == null) {
                        owned = false;
                        digesting = false;
                        notifyAll();
                        return;
                    }
                    from = digestedTo;
                    to = end;
                }
                staged.digest(from, to, digests);
                synchronized (this) {
                    digestedTo = to;
                }
            }
        } finally {
            if (owned) {
                synchronized (this) {
                    digesting = false;
                    notifyAll();
                }
            }
        }
    }
}
