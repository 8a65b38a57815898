package dev.storageinit.internal;

import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.TransferListener;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import java.util.List;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared transfer engine: one pool of {@code concurrency} workers fed from a priority queue (largest files
 * first) that every download of a {@link dev.storageinit.Storage} instance feeds. Each download is a
 * {@link DownloadJob}; this class owns the threads.
 */
public final class TransferEngine implements AutoCloseable {
    private final EngineSettings settings;
    private final TransferListener listener;
    private final ThreadPoolExecutor pool;
    private final AtomicLong sequence = new AtomicLong();

    public TransferEngine(EngineSettings settings, TransferListener listener) {
        this.settings = settings;
        this.listener = listener;
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "storage-transfer-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = new ThreadPoolExecutor(
                settings.concurrency(),
                settings.concurrency(),
                30,
                TimeUnit.SECONDS,
                new PriorityBlockingQueue<>(),
                threads);
        this.pool.allowCoreThreadTimeOut(true);
    }

    /** Runs one download to its end on the calling thread (listing) and the pool (transfers). */
    public DownloadResult download(DownloadRequest request, StorageProvider provider) throws StorageException {
        return run(request, provider, false);
    }

    /** Lists, filters and compares {@code request} with its destination, writing nothing. */
    public DownloadResult dryRun(DownloadRequest request, StorageProvider provider) throws StorageException {
        return run(request, provider, true);
    }

    private DownloadResult run(DownloadRequest request, StorageProvider provider, boolean dryRun)
            throws StorageException {
        String shown = request.source().redacted();
        listener.started(request.source(), request.destination());
        try {
            JobSettings jobSettings = JobSettings.of(request, provider); // before anything is opened or listed
            try (ObjectSource source =
                    provider.open(request.source(), new SourceContext(request.settings(), settings.concurrency()))) {
                DownloadJob job = new DownloadJob(this, request, source, jobSettings);
                return dryRun ? job.dryRun() : job.run();
            }
        } catch (StorageException e) {
            listener.failed(request.source(), e);
            throw e;
        } catch (RuntimeException e) {
            TransferException wrapped = new TransferException(shown, "unexpected error: " + e, false, e);
            listener.failed(request.source(), wrapped);
            throw wrapped;
        }
    }

    EngineSettings settings() {
        return settings;
    }

    TransferListener listener() {
        return listener;
    }

    long nextSequence() {
        return sequence.incrementAndGet();
    }

    /**
     * Queued work: ordered largest file first, then by {@link #nextSequence() sequence}; cancelled instead of run
     * when the engine closes first.
     */
    interface Work extends Runnable, Comparable<Work> {
        long fileSize();

        long sequence();

        /** Ends work that will never run. */
        void cancel();

        @Override
        default int compareTo(Work o) {
            int bySize = Long.compare(o.fileSize(), fileSize());
            return bySize != 0 ? bySize : Long.compare(sequence(), o.sequence());
        }
    }

    /** Queues {@code work}; throws {@link java.util.concurrent.RejectedExecutionException} once closed. */
    void submit(Work work) {
        pool.execute(work);
    }

    /** Stops the workers; queued work of running downloads is cancelled so that those downloads fail promptly. */
    @Override
    public void close() {
        List<Runnable> queued = pool.shutdownNow();
        for (Runnable r : queued) {
            ((Work) r).cancel();
        }
    }
}
