package dev.storageinit.internal;

import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.support.Redactor;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One download: prepares the destination, lists the source on the calling thread ({@link Lister}) and hands each
 * listed file to a {@link FileTransfer} whose units the engine's pool runs as {@link Admission} lets them go, waits
 * for them (flushing the manifest now and then), and releases the destination. The first failure aborts the rest.
 * Every file is written under the staging directory and moved into place only when complete and verified; the
 * manifest records what was published.
 */
final class DownloadJob {
    private static final long MANIFEST_FLUSH_NANOS = Duration.ofSeconds(1).toNanos();

    final TransferEngine engine;
    final EngineSettings settings;
    final DownloadRequest request;
    final ObjectSource source;
    /** The source URI as messages show it. */
    final String shown;

    final Progress progress;
    final Admission admission;
    final RangeCopier copier;
    /** The one retry policy for this download's calls to the source. */
    final Retries retries;

    private final PathFilter filter;
    /** The engine settings of this download, parsed before it started. */
    final JobSettings jobSettings;
    /** Set when the download starts. */
    Md5Policy md5Policy;

    Destination destination;
    private Manifest manifest;

    private final AtomicLong stagingNames = new AtomicLong();
    private final AtomicInteger outstandingUnits = new AtomicInteger();
    private final AtomicReference<StorageException> failure = new AtomicReference<>();
    private volatile boolean aborted;
    private volatile boolean manifestDirty;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    DownloadJob(TransferEngine engine, DownloadRequest request, ObjectSource source, JobSettings jobSettings) {
        this.engine = engine;
        this.settings = engine.settings();
        this.request = request;
        this.source = source;
        this.jobSettings = jobSettings;
        this.shown = Redactor.scrub(request.source().redacted());
        this.filter = jobSettings.filter();
        this.progress = new Progress(shown, request.source(), engine.listener(), this::fail);
        this.admission = new Admission(engine::submit, jobSettings.limits());
        this.retries = new Retries(shown, settings, this::aborted);
        this.copier = new RangeCopier(shown, source, settings, retries, request.linkMode(), progress, this::aborted);
    }

    DownloadResult run() throws StorageException {
        long started = System.nanoTime();
        prepareDestination();
        try {
            new Lister(this, filter, destination.guard(), destination.previousManifest(), this::transfer).run();
            awaitUnits();
        } finally {
            aborted = aborted || failure.get() != null;
            drainAfterAbort();
            finish();
        }
        StorageException error = failure.get();
        if (error != null) {
            throw error;
        }
        return progress.finished(request.destination(), Duration.ofNanos(System.nanoTime() - started));
    }

    /** Lists and compares with the destination as {@link #run} does; writes nothing, fetches nothing. */
    DownloadResult dryRun() throws StorageException {
        long started = System.nanoTime();
        Destination.View view = Destination.view(shown, request, jobSettings);
        manifest = new Manifest(shown);
        new Lister(
                        this,
                        filter,
                        view.guard(),
                        view.previous(),
                        listed -> progress.toFetch(
                                listed.relative(), listed.object().size()))
                .run();
        StorageException error = failure.get();
        if (error != null) {
            throw error;
        }
        return progress.finished(request.destination(), Duration.ofNanos(System.nanoTime() - started));
    }

    private void prepareDestination() throws StorageException {
        md5Policy = jobSettings.md5();
        destination = Destination.open(shown, request, jobSettings);
        manifest = new Manifest(shown);
    }

    private void transfer(Lister.ListedFile listed) {
        FileTransfer file = new FileTransfer(this, listed);
        file.schedule();
        admission.admit(file);
    }

    /** Records the outcome in the manifest, then removes the staging directory and releases the destination. */
    private void finish() {
        if (failure.get() == null) {
            manifest.markComplete();
        }
        try {
            destination.writeManifest(manifest);
        } catch (StorageException e) {
            failIfFirst(e);
        }
        try {
            destination.close();
        } catch (StorageException e) {
            failIfFirst(e);
        }
    }

    /** Waits for every unit, writing the manifest at most once per {@link #MANIFEST_FLUSH_NANOS} while it changes. */
    private void awaitUnits() {
        long lastFlush = System.nanoTime();
        lock.lock();
        try {
            while (outstandingUnits.get() > 0 && !aborted) {
                try {
                    changed.awaitNanos(MANIFEST_FLUSH_NANOS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail(new TransferException(shown, "download interrupted", true, e));
                    break;
                }
                if (manifestDirty && System.nanoTime() - lastFlush >= MANIFEST_FLUSH_NANOS) {
                    manifestDirty = false;
                    lastFlush = System.nanoTime();
                    try {
                        destination.writeManifest(manifest);
                    } catch (StorageException e) {
                        fail(e);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** After a failure, waits (uninterruptibly) for units already running to notice and stop. */
    private void drainAfterAbort() {
        lock.lock();
        try {
            while (outstandingUnits.get() > 0) {
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- for the job's parts

    /** A fresh name for a staging file. */
    long nextStagingName() {
        return stagingNames.incrementAndGet();
    }

    /** {@code count} units were created; each ends with {@link #unitEnded()}. */
    void unitsAdded(int count) {
        outstandingUnits.addAndGet(count);
    }

    void unitEnded() {
        if (outstandingUnits.decrementAndGet() <= 0) {
            signal();
        }
    }

    /** Records a file that is in place (published now, or intact from the previous run) in the manifest. */
    void record(String relative, Manifest.Entry entry) {
        manifest.put(relative, entry);
        manifestDirty = true;
    }

    boolean aborted() {
        return aborted;
    }

    /** Ends the download with {@code e} unless it failed already; what is in flight stops. */
    void fail(StorageException e) {
        if (failure.compareAndSet(null, e)) {
            aborted = true;
            signal();
        }
    }

    private void failIfFirst(StorageException e) {
        failure.compareAndSet(null, e);
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
