package dev.storageinit.internal;

import dev.storageinit.DestinationException;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.LinkMode;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.TransferListener;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.LocalObjectSource;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.TransferLimits;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One download: lists the source on the calling thread and feeds each object to the engine's pool as it is
 * listed; small objects are one unit of work, large ones one unit per byte range written in place with positional
 * writes. Every file is written under the staging directory and moved into place only when complete and verified;
 * the manifest records what was published.
 */
final class DownloadJob {
    private static final System.Logger LOG = Redactor.logger("dev.storageinit.engine");
    private static final ThreadLocal<byte[]> BUFFER = new ThreadLocal<>();
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final int MAX_WHOLE_FILE_RETRIES = 2;
    private static final long LOCAL_COPY_SLICE = 8L << 20;
    private static final long MANIFEST_FLUSH_NANOS = Duration.ofSeconds(1).toNanos();

    private final TransferEngine engine;
    private final EngineSettings settings;
    private final DownloadRequest request;
    private final ObjectSource source;
    private final String shown;
    private final TransferListener listener;
    private final JobSettings jobSettings;
    private final PathFilter filter;
    private Md5Policy md5Policy;

    private Destination destination;
    private PathGuard guard;
    private Path staging;
    private Manifest previous;
    private Manifest manifest;
    private String prefix;
    private volatile boolean singleObject;

    private final AtomicInteger outstandingUnits = new AtomicInteger();
    /** The provider's bounds; files holding one of the {@link TransferLimits#maxFiles()} slots, and those waiting. */
    private final TransferLimits limits;
    private int activeFiles;
    private final PriorityQueue<FileTask> waitingFiles =
            new PriorityQueue<>((a, b) -> Long.compare(b.object.size(), a.object.size()));
    /** Units the closed engine refused, cancelled one after the other by the first thread that met one. */
    private final ArrayDeque<Unit> refused = new ArrayDeque<>();
    private boolean cancelling;
    private final AtomicReference<StorageException> failure = new AtomicReference<>();
    private volatile boolean aborted;
    private volatile boolean manifestDirty;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    private final AtomicLong listedFiles = new AtomicLong();
    private final AtomicLong listedBytes = new AtomicLong();
    private final AtomicLong seenObjects = new AtomicLong();
    private final AtomicLong filesTransferred = new AtomicLong();
    private final AtomicLong bytesTransferred = new AtomicLong();
    private final AtomicLong filesSkipped = new AtomicLong();
    private final AtomicLong bytesSkipped = new AtomicLong();
    private final AtomicLong filesFiltered = new AtomicLong();
    private final AtomicLong stagingNames = new AtomicLong();

    DownloadJob(TransferEngine engine, DownloadRequest request, ObjectSource source, JobSettings jobSettings) {
        this.engine = engine;
        this.settings = engine.settings();
        this.request = request;
        this.source = source;
        this.shown = Redactor.scrub(request.source().redacted());
        this.listener = engine.listener();
        this.jobSettings = jobSettings;
        this.filter = jobSettings.filter();
        this.limits = jobSettings.limits();
    }

    DownloadResult run() throws StorageException {
        long started = System.nanoTime();
        prepareDestination();
        try {
            listAndSchedule();
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
        DownloadResult result = new DownloadResult(shown, request.destination(), filesTransferred.get(),
                bytesTransferred.get(), filesSkipped.get(), bytesSkipped.get(), filesFiltered.get(),
                Duration.ofNanos(System.nanoTime() - started));
        try {
            listener.finished(result);
        } catch (RuntimeException e) {
            // the download is complete and published; a listener failing now changes nothing
        }
        return result;
    }

    // ---------------------------------------------------------------- setup and teardown

    private void prepareDestination() throws StorageException {
        md5Policy = jobSettings.md5();
        destination = Destination.open(shown, request, jobSettings);
        guard = destination.guard();
        staging = destination.staging();
        previous = destination.previousManifest();
        manifest = new Manifest(shown);
        String key = source.key();
        prefix = key.isEmpty() || key.endsWith("/") ? key : key + "/";
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

    // ---------------------------------------------------------------- listing

    /** Thrown inside the listing callback to stop a listing once the download has failed. */
    private static final class ListingStopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ListingStopped() {
            super(null, null, false, false);
        }
    }

    private void listAndSchedule() {
        try {
            source.list(prefix, object -> {
                if (aborted) {
                    throw new ListingStopped();
                }
                accept(object, relativeOf(object.key()));
            });
            if (seenObjects.get() == 0 && !aborted) {
                listSingleObject();
            }
            if (!aborted && seenObjects.get() > 0 && listedFiles.get() == 0) {
                fail(new NotFoundException(shown, "no file matched the allow/ignore patterns (" + seenObjects.get()
                        + " objects listed)"));
            }
            if (!aborted) {
                notifyListener(() -> listener.listed(request.source(), listedFiles.get(), listedBytes.get()));
            }
        } catch (ListingStopped e) {
            // the failure that stopped it is recorded already
        } catch (StorageException e) {
            fail(e);
        } catch (RuntimeException e) {
            fail(new TransferException(shown, "listing failed: " + e, false, e));
        }
    }

    private void listSingleObject() throws StorageException {
        String key = source.key();
        if (key.isEmpty() || key.endsWith("/")) {
            throw new NotFoundException(shown, key.isEmpty() ? "the container holds no objects"
                    : "no object under folder '" + key + "'");
        }
        Optional<RemoteObject> single = source.stat(key);
        if (single.isEmpty()) {
            throw new NotFoundException(shown, "no object under folder '" + prefix + "' and no object named '" + key + "'");
        }
        singleObject = true;
        accept(single.get(), basename(key));
    }

    private String relativeOf(String key) {
        return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
    }

    private static String basename(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    private void accept(RemoteObject object, String relative) {
        if (object.key().endsWith("/") || relative.isEmpty()) {
            return; // folder marker
        }
        if (!object.key().startsWith(prefix) && !object.key().equals(source.key())) {
            fail(new TransferException(shown, "the store listed key '" + object.key() + "' outside prefix '" + prefix
                    + "'", false, null));
            throw new ListingStopped();
        }
        seenObjects.incrementAndGet();
        if (!filter.keeps(relative)) {
            filesFiltered.incrementAndGet();
            return;
        }
        Path target;
        try {
            target = guard.resolve(relative);
        } catch (StorageException e) {
            fail(e);
            throw new ListingStopped();
        }
        listedFiles.incrementAndGet();
        listedBytes.addAndGet(object.size());
        if (isIntact(relative, object, target)) {
            filesSkipped.incrementAndGet();
            bytesSkipped.addAndGet(object.size());
            notifyListener(() -> listener.fileDone(request.source(), relative, object.size(), true));
            return;
        }
        FileTask task = new FileTask(relative, target, object);
        task.schedule();
    }

    private boolean isIntact(String relative, RemoteObject object, Path target) {
        Manifest.Entry e = previous.get(relative);
        if (e == null || e.size() != object.size() || !e.key().equals(object.key())) {
            return false;
        }
        boolean sameVersion = object.version() != null && object.version().equals(e.version());
        boolean sameChecksum = object.checksum() != null && object.checksum().toString().equals(e.checksum());
        if (!sameVersion && !sameChecksum) {
            return false;
        }
        try {
            if (!Files.isRegularFile(target) || Files.size(target) != e.size()
                    || Files.getLastModifiedTime(target, LinkOption.NOFOLLOW_LINKS).toMillis() != e.localModifiedMillis()) {
                return false;
            }
        } catch (IOException ex) {
            return false;
        }
        manifest.put(relative, e);
        manifestDirty = true;
        return true;
    }

    // ---------------------------------------------------------------- waiting

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

    private void unitEnded() {
        if (outstandingUnits.decrementAndGet() <= 0) {
            signal();
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void fail(StorageException e) {
        if (failure.compareAndSet(null, e)) {
            aborted = true;
            signal();
        }
    }

    private void failIfFirst(StorageException e) {
        failure.compareAndSet(null, e);
    }

    private void notifyListener(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            fail(new TransferException(shown, "aborted by listener: " + e, false, e));
        }
    }

    // ---------------------------------------------------------------- files and units

    /** Starts {@code file} now, or when a file in flight ends if the provider's file limit is reached. */
    private void admit(FileTask file) {
        synchronized (waitingFiles) {
            if (activeFiles >= limits.maxFiles()) {
                waitingFiles.add(file);
                return;
            }
            activeFiles++;
        }
        file.start();
    }

    /** A file in flight ended: its slot goes to the largest waiting file. */
    private void releaseFileSlot() {
        FileTask next;
        synchronized (waitingFiles) {
            next = waitingFiles.poll();
            if (next == null) {
                activeFiles--;
                return;
            }
        }
        next.start();
    }

    /**
     * Hands a unit to the engine; a unit the closed engine refuses is cancelled. Cancelling one can submit the next
     * pending one, so refused units are cancelled from a queue, not by recursion.
     */
    private void submit(Unit unit) {
        try {
            engine.submit(unit);
            return;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            synchronized (refused) {
                refused.add(unit);
                if (cancelling) {
                    return;
                }
                cancelling = true;
            }
        }
        while (true) {
            Unit next;
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

    /** This worker thread's transfer buffer. */
    private byte[] buffer() {
        byte[] buffer = BUFFER.get();
        if (buffer == null || buffer.length != settings.bufferSize()) {
            buffer = new byte[settings.bufferSize()];
            BUFFER.set(buffer);
        }
        return buffer;
    }

    /** One object being fetched into one staging file. */
    private final class FileTask {
        final String relative;
        final Path target;
        final RemoteObject object;
        final boolean ranged;
        /** The object's file when the source is local, else null. */
        final Path localFile;
        /** Link instead of copying (a local source on the destination's file system, and a link mode asked for). */
        final boolean linking;
        final AtomicInteger unitsLeft = new AtomicInteger();
        volatile boolean partFailed;
        int wholeFileRetries;
        Path stagingFile;
        FileChannel channel;
        /**
         * The checksums being computed, one per {@link #verified}: fed while a whole object streams in, or,
         * for a ranged one, in file order as its ranges complete ({@link #rangeDone}), so that verifying a large
         * object overlaps its download instead of re-reading it at the end. Empty when the store gave none.
         */
        List<Digests.Digest> digests = List.of();
        /** For a ranged file: completed ranges not yet digested (offset to end), and the digested prefix. */
        private final java.util.TreeMap<Long, Long> undigested = new java.util.TreeMap<>();
        private long digestedTo;
        private boolean digesting;
        /** The store's whole-object checksums that {@code STORAGE_VERIFY_MD5} says to verify. */
        final List<Checksum> verified;
        /** The multipart ETag to verify, part by part as the units stream; null when none is. */
        final MultipartEtag multipart;
        /** Units not yet submitted (the per-file range limit), and whether the file holds a file slot. */
        final ArrayDeque<Unit> pending = new ArrayDeque<>();
        volatile boolean admitted;

        FileTask(String relative, Path target, RemoteObject object) {
            this.relative = relative;
            this.target = target;
            this.object = object;
            this.localFile = source instanceof LocalObjectSource ? ((LocalObjectSource) source).localFile(object) : null;
            this.linking = localFile != null && request.linkMode() != LinkMode.COPY
                    && localFile.getFileSystem() == target.getFileSystem();
            this.ranged = !linking && object.size() > settings.multipartThreshold() && source.supportsRanges(object);
            List<Checksum> selected = md5Policy.select(object.checksums());
            Checksum etag = MultipartEtag.find(selected);
            this.multipart = etag == null ? null : MultipartEtag.of(etag, object.size());
            if (etag != null && multipart == null) {
                selected = md5Policy.select(MultipartEtag.wholeObject(object.checksums()));
                LOG.log(System.Logger.Level.WARNING, "{0}: {1}: cannot verify its multipart ETag {2}: no part size"
                        + " of whole MiB cuts its {3} bytes into that many parts; {4}", shown, object.key(),
                        etag.hex(), Long.toString(object.size()), verifyingInstead(selected));
            }
            this.verified = MultipartEtag.wholeObject(selected);
        }

        private String verifyingInstead(List<Checksum> checksums) {
            return checksums.isEmpty() ? "only its size is verified"
                    : "verifying its " + checksums.get(0).algorithm() + " instead";
        }

        /** (Re)creates the file's units; they start at once unless the source's limits hold them back. */
        void schedule() {
            stagingFile = staging.resolve(stagingNames.incrementAndGet() + ".part");
            partFailed = false;
            channel = null;
            long size = object.size();
            long part = !ranged ? Math.max(size, 1)
                    : multipart == null ? settings.partSize() : multipart.rangeLength(settings.partSize());
            int parts = size == 0 ? 1 : (int) ((size + part - 1) / part);
            digests = Digests.create(verified);
            if (multipart != null) {
                multipart.begin();
            }
            synchronized (this) {
                undigested.clear();
                digestedTo = 0;
            }
            unitsLeft.set(parts);
            outstandingUnits.addAndGet(parts);
            synchronized (this) {
                for (int i = 0; i < parts; i++) {
                    long offset = i * part;
                    pending.add(new Unit(this, offset, Math.min(part, size - offset), engine.nextSequence()));
                }
            }
            if (admitted) {
                start(); // a whole-file retry keeps the slot it holds
            } else {
                admit(this);
            }
        }

        /** Submits as many pending units as the per-file range limit allows; the rest follow as units end. */
        void start() {
            admitted = true;
            List<Unit> now = new ArrayList<>();
            synchronized (this) {
                while (!pending.isEmpty() && now.size() < limits.maxRangesPerFile()) {
                    now.add(pending.poll());
                }
            }
            now.forEach(DownloadJob.this::submit);
        }

        synchronized FileChannel channel() throws IOException {
            if (channel == null) {
                channel = FileChannel.open(stagingFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            }
            return channel;
        }

        /**
         * Called once per unit, however it ended: starts the file's next pending unit; the last one closes the file,
         * publishes it and hands its slot on.
         */
        void unitFinished(boolean ok) {
            if (!ok) {
                partFailed = true;
            }
            Unit next;
            synchronized (this) {
                next = pending.poll();
            }
            if (next != null) {
                submit(next); // after a failure it ends at once without reading
            }
            if (unitsLeft.decrementAndGet() > 0) {
                return;
            }
            boolean rescheduled = false;
            try {
                synchronized (this) {
                    if (channel != null) {
                        channel.close();
                    }
                }
                if (!partFailed && !aborted) {
                    rescheduled = complete();
                }
            } catch (StorageException e) {
                fail(e);
            } catch (IOException e) {
                fail(Destination.writeFailed(shown, "cannot publish " + target, e));
            }
            if (!rescheduled) {
                releaseFileSlot();
            }
        }

        /** Verifies and publishes the staging file; true when a checksum mismatch scheduled the file again. */
        private boolean complete() throws IOException {
            if (!Files.exists(stagingFile, LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(stagingFile); // zero-byte object
            }
            if (!Files.isSymbolicLink(stagingFile)) {
                long actual = Files.size(stagingFile);
                if (actual != object.size()) {
                    throw new IntegrityException(shown, relative + ": got " + actual + " bytes, the store listed "
                            + object.size());
                }
                String mismatch = verifyChecksum();
                if (mismatch != null) {
                    if (wholeFileRetries++ < MAX_WHOLE_FILE_RETRIES) {
                        LOG.log(System.Logger.Level.WARNING, "{0}: {1}: {2}; fetching it again ({3} of {4})", shown,
                                relative, mismatch, wholeFileRetries, MAX_WHOLE_FILE_RETRIES);
                        Files.deleteIfExists(stagingFile);
                        bytesTransferred.addAndGet(-object.size());
                        schedule();
                        return true;
                    }
                    throw new IntegrityException(shown, relative + ": " + mismatch + " (after "
                            + (MAX_WHOLE_FILE_RETRIES + 1) + " downloads); not published");
                }
            }
            guard.prepareParent(target);
            Destination.moveIntoPlace(stagingFile, target);
            long mtime = Files.getLastModifiedTime(target, LinkOption.NOFOLLOW_LINKS).toMillis();
            manifest.put(relative, new Manifest.Entry(object.key(), object.size(), object.version(),
                    object.checksum() == null ? null : object.checksum().toString(), mtime));
            manifestDirty = true;
            filesTransferred.incrementAndGet();
            notifyListener(() -> listener.fileDone(request.source(), relative, object.size(), false));
            if (singleObject && request.extractArchives()) {
                ArchiveExtractor.extractIfArchive(shown, target, guard.root(), staging,
                        jobSettings.archiveLimits());
            }
            return false;
        }

        /**
         * Records a completed range of a ranged file; the worker that extends the contiguous completed prefix digests
         * it (one worker at a time per file), reading it back from the staging file while it is in the page cache.
         */
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
                        Long end = aborted ? null : undigested.remove(digestedTo);
                        if (end == null) {
                            owned = false;
                            digesting = false;
                            notifyAll();
                            return;
                        }
                        from = digestedTo;
                        to = end;
                    }
                    digestRegion(from, to, digests);
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

        /** Once every range has completed: waits for a worker still digesting, then digests what is left. */
        private void digestRemainder() throws IOException {
            synchronized (this) {
                while (digesting) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while verifying " + relative);
                    }
                }
                digesting = true;
            }
            digestContiguous();
        }

        private void digestRegion(long from, long to, List<Digests.Digest> into) throws IOException {
            byte[] buffer = buffer();
            ByteBuffer bb = ByteBuffer.wrap(buffer);
            try (FileChannel ch = FileChannel.open(stagingFile, StandardOpenOption.READ)) {
                long at = from;
                while (at < to) {
                    bb.clear().limit((int) Math.min(buffer.length, to - at));
                    int n = ch.read(bb, at);
                    if (n < 0) {
                        throw new EOFException(relative + ": staging file ends at " + at + " before " + to);
                    }
                    for (Digests.Digest d : into) {
                        d.update(buffer, 0, n);
                    }
                    at += n;
                }
            }
        }

        /** Null when every checksum the store gave matches; otherwise what differs. */
        private String verifyChecksum() throws IOException {
            String mismatch = verifyWholeObject();
            return mismatch != null || multipart == null ? mismatch : verifyMultipart();
        }

        private String verifyWholeObject() throws IOException {
            List<Checksum> expected = verified;
            if (expected.isEmpty()) {
                return null;
            }
            if (ranged) {
                digestRemainder();
                long digested;
                synchronized (this) {
                    digested = digestedTo;
                }
                if (digested != object.size()) {
                    return "only " + digested + " of " + object.size() + " bytes could be checked";
                }
            }
            return mismatch(expected, digests);
        }

        /**
         * The multipart ETag; once the same bytes came twice without matching it (they were uploaded in parts of
         * another size), the MD5 of the whole object {@code STORAGE_VERIFY_MD5} left to it, when the store has one.
         */
        private String verifyMultipart() throws IOException {
            List<Checksum> instead = new ArrayList<>(md5Policy.select(MultipartEtag.wholeObject(object.checksums())));
            instead.removeAll(verified);
            if (!multipart.unverifiable()) {
                String mismatch = multipart.verify(this::digestStaged);
                if (mismatch != null || !multipart.unverifiable()) {
                    return mismatch;
                }
                LOG.log(System.Logger.Level.WARNING, "{0}: {1}: downloaded twice, the same bytes do not match its"
                        + " multipart ETag {2} with parts of {3}: they were uploaded in parts of another size and the"
                        + " ETag cannot be verified; {4}", shown, object.key(),
                        multipart.etag().hex(), multipart.describe(), verifyingInstead(instead));
            }
            if (instead.isEmpty()) {
                return null;
            }
            List<Digests.Digest> actual = Digests.create(instead);
            digestStaged(actual);
            return mismatch(instead, actual);
        }

        private void digestStaged(List<Digests.Digest> into) throws IOException {
            digestRegion(0, object.size(), into);
        }
    }

    /** Null when each digest has its checksum's value; otherwise what differs. */
    private static String mismatch(List<Checksum> expected, List<Digests.Digest> actual) {
        for (int i = 0; i < expected.size(); i++) {
            String hex = actual.get(i).hex();
            if (!hex.equals(expected.get(i).hex())) {
                return expected.get(i).algorithm() + " mismatch: store says " + expected.get(i).hex() + ", got " + hex;
            }
        }
        return null;
    }

    /** A whole small object or one byte range of a large one. Ordered largest file first, then by offset. */
    final class Unit implements Runnable, Comparable<Unit> {
        final FileTask file;
        final long offset;
        final long length;
        final long sequence;

        Unit(FileTask file, long offset, long length, long sequence) {
            this.file = file;
            this.offset = offset;
            this.length = length;
            this.sequence = sequence;
        }

        @Override
        public int compareTo(Unit o) {
            int bySize = Long.compare(o.file.object.size(), file.object.size());
            return bySize != 0 ? bySize : Long.compare(sequence, o.sequence);
        }

        @Override
        public void run() {
            boolean ok = false;
            try {
                if (!aborted) {
                    if (file.linking) {
                        linkOrCopy();
                    } else if (length > 0) {
                        transfer();
                        if (file.ranged && !aborted) {
                            file.rangeDone(offset, offset + length);
                        }
                    }
                    ok = true;
                }
            } catch (StorageException e) {
                fail(e);
            } catch (IOException e) {
                fail(new TransferException(shown, file.relative + ": " + e, true, e));
            } catch (RuntimeException e) {
                fail(new TransferException(shown, file.relative + ": unexpected error: " + e, false, e));
            } finally {
                file.unitFinished(ok);
                unitEnded();
            }
        }

        /** Called for a unit that will never run (the engine was closed). */
        void cancel() {
            fail(new TransferException(shown, "storage instance closed during the download", false, null));
            file.unitFinished(false);
            unitEnded();
        }

        /** Hard-links or symlinks the local file into staging; copies when the file system refuses the link. */
        private void linkOrCopy() throws IOException {
            try {
                // the real file, as copy mode reads it: a source symlink never lands as a link to its target
                Path real = file.localFile.toRealPath();
                if (request.linkMode() == LinkMode.SYMLINK) {
                    Files.createSymbolicLink(file.stagingFile, real);
                } else {
                    Files.createLink(file.stagingFile, real);
                }
            } catch (UnsupportedOperationException | FileSystemException e) {
                copyLocal(file.localFile);
            }
        }

        private void transfer() throws IOException {
            if (file.localFile != null && file.digests.isEmpty() && file.multipart == null) {
                copyLocal(file.localFile);
                return;
            }
            byte[] buffer = buffer();
            FileChannel channel;
            try {
                channel = file.channel();
            } catch (IOException e) {
                throw Destination.writeFailed(shown, "cannot create " + file.stagingFile + " for " + file.relative, e);
            }
            long position = offset;
            long end = offset + length;
            Digests.Digest parts = file.multipart == null ? null : file.multipart.forRange(offset, end);
            int attempt = 1;
            while (true) {
                long before = position;
                try (InputStream in = source.read(file.object, position, end - position)) {
                    while (position < end) {
                        if (aborted) {
                            return;
                        }
                        int n = in.read(buffer, 0, (int) Math.min(buffer.length, end - position));
                        if (n < 0) {
                            throw new EOFException("stream ended " + (end - position) + " bytes early");
                        }
                        write(channel, ByteBuffer.wrap(buffer, 0, n), position);
                        if (!file.ranged) {
                            for (Digests.Digest d : file.digests) {
                                d.update(buffer, 0, n);
                            }
                        }
                        if (parts != null) {
                            parts.update(buffer, 0, n);
                        }
                        position += n;
                        bytesTransferred.addAndGet(n);
                        int count = n;
                        notifyListener(() -> listener.bytes(count));
                    }
                    if (in.read() >= 0) {
                        throw new IntegrityException(shown, file.relative + ": the store sent more bytes than the "
                                + length + " asked for at offset " + offset);
                    }
                    return;
                } catch (IOException e) {
                    if (aborted || !retryable(e)) {
                        throw e;
                    }
                    if (position > before) {
                        attempt = 1; // progress was made: count failures since the last progress
                    }
                    if (attempt >= settings.maxAttempts()) {
                        throw new TransferException(shown, file.relative + ": failed after " + attempt
                                + " attempts: " + e.getMessage(), true, e);
                    }
                    sleepBackoff(attempt++);
                }
            }
        }

        /** Writes to the staging file; a failure there is the destination's, final at once (never a retried read). */
        private void write(FileChannel channel, ByteBuffer bb, long at) throws DestinationException {
            try {
                while (bb.hasRemaining()) {
                    at += channel.write(bb, at);
                }
            } catch (IOException e) {
                throw Destination.writeFailed(shown, "cannot write " + file.relative + " (to " + file.stagingFile + ")",
                        e);
            }
        }

        /**
         * Files already on a local file system are copied by the kernel ({@code transferTo}: sendfile or
         * copy_file_range), in slices so that an abort is noticed and progress reported.
         */
        private void copyLocal(Path local) throws IOException {
            try (FileChannel in = FileChannel.open(local, StandardOpenOption.READ);
                    FileChannel out = openStaging()) {
                long position = offset;
                long end = offset + length;
                out.position(position);
                while (position < end && !aborted) {
                    long n;
                    try {
                        n = in.transferTo(position, Math.min(end - position, LOCAL_COPY_SLICE), out);
                    } catch (IOException e) {
                        if (Destination.isWriteFailure(e)) {
                            throw Destination.writeFailed(shown, "cannot write " + file.relative + " (to "
                                    + file.stagingFile + ")", e);
                        }
                        throw e;
                    }
                    if (n <= 0) {
                        throw new EOFException(local + " ended " + (end - position) + " bytes early");
                    }
                    position += n;
                    bytesTransferred.addAndGet(n);
                    notifyListener(() -> listener.bytes(n));
                }
            }
        }

        private FileChannel openStaging() throws DestinationException {
            try {
                return FileChannel.open(file.stagingFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw Destination.writeFailed(shown, "cannot create " + file.stagingFile + " for " + file.relative, e);
            }
        }

        private boolean retryable(IOException e) {
            return !(e instanceof StorageException) || ((StorageException) e).isRetryable();
        }

        private void sleepBackoff(int attempt) throws TransferException {
            long base = settings.retryBackoff().toMillis() << Math.min(attempt - 1, 20);
            long capped = Math.min(base, MAX_BACKOFF.toMillis());
            long delay = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransferException(shown, "download interrupted", true, e);
            }
        }
    }
}
