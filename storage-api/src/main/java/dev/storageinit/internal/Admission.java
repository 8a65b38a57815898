package dev.storageinit.internal;

import dev.storageinit.spi.TransferLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Holds one download to its provider's {@link TransferLimits}: at most {@code maxFiles} files in flight (a freed slot
 * goes to the largest waiting file) and at most {@code maxRangesPerFile} units of each (a unit that ends lets the
 * file's next one go). Work the closed engine refuses is cancelled; cancelling one can submit the next, so refused
 * work is cancelled from a queue, not by recursion.
 */
final class Admission {
    /** A file as admission sees it. */
    interface File {
        long size();

        /** The file's next unit not yet submitted, or null. */
        TransferEngine.Work nextUnit();
    }

    private final Consumer<TransferEngine.Work> pool;
    private final TransferLimits limits;
    private final PriorityQueue<File> waiting = new PriorityQueue<>((a, b) -> Long.compare(b.size(), a.size()));
    private int activeFiles;
    private final ArrayDeque<TransferEngine.Work> refused = new ArrayDeque<>();
    private boolean cancelling;

    /** @param pool queues work; throws {@link RejectedExecutionException} once closed */
    Admission(Consumer<TransferEngine.Work> pool, TransferLimits limits) {
        this.pool = pool;
        this.limits = limits;
    }

    /** Starts {@code file} now, or when a file in flight ends if the file limit is reached. */
    void admit(File file) {
        synchronized (waiting) {
            if (activeFiles >= limits.maxFiles()) {
                waiting.add(file);
                return;
            }
            activeFiles++;
        }
        start(file);
    }

    /** Submits as many of the units of {@code file}, which holds a slot, as the per-file range limit allows. */
    void start(File file) {
        List<TransferEngine.Work> now = new ArrayList<>();
        TransferEngine.Work next;
        while (now.size() < limits.maxRangesPerFile() && (next = file.nextUnit()) != null) {
            now.add(next);
        }
        now.forEach(this::submit);
    }

    /** A unit of {@code file} ended: its next unit goes (after a failure it ends at once without reading). */
    void unitEnded(File file) {
        TransferEngine.Work next = file.nextUnit();
        if (next != null) {
            submit(next);
        }
    }

    /** A file in flight ended: its slot goes to the largest waiting file. */
    void fileEnded() {
        File next;
        synchronized (waiting) {
            next = waiting.poll();
            if (next == null) {
                activeFiles--;
                return;
            }
        }
        start(next);
    }

    private void submit(TransferEngine.Work work) {
        try {
            pool.accept(work);
            return;
        } catch (RejectedExecutionException e) {
            synchronized (refused) {
                refused.add(work);
                if (cancelling) {
                    return;
                }
                cancelling = true;
            }
        }
        while (true) {
            TransferEngine.Work next;
            synchronized (refused) {
                next = refused.poll();
                if (next == null) {
                    cancelling = false;
                    return;
                }
            }
            next.cancel();
        }
    }
}
