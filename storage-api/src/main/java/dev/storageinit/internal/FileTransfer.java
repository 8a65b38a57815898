package dev.storageinit.internal;

import dev.storageinit.IntegrityException;
import dev.storageinit.LinkMode;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.LocalObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.support.Redactor;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One object fetched into one staging file: split into units (the whole object, or one per byte range written in
 * place), then checked against its size and checksums, fetched again on a mismatch, and moved into place.
 */
final class FileTransfer implements Admission.File {
    private static final System.Logger LOG = Redactor.logger("dev.storageinit.engine");
    private static final int MAX_WHOLE_FILE_RETRIES = 2;

    /** A whole small object or one byte range of a large one. */
    record Unit(FileTransfer file, long offset, long length, long sequence) implements TransferEngine.Work {
        long end() {
            return offset + length;
        }

        @Override
        public long fileSize() {
            return file.object.size();
        }

        @Override
        public void run() {
            file.run(this);
        }

        @Override
        public void cancel() {
            file.cancel();
        }
    }

    private final DownloadJob job;
    final String relative;
    final RemoteObject object;
    private final Path target;
    /** Extract it once published (the download's only object, and archives are extracted). */
    private final boolean extract;
    /** The object's file when the source is local, else null. */
    final Path localFile;
    /** Link instead of copying (a local source on the destination's file system, and a link mode asked for). */
    private final boolean linking;

    private final boolean ranged;
    /** Which checksums are verified, and verifying them. */
    private final ChecksumCheck check;
    /** The multipart ETag to verify, part by part as the units stream; null when none is. */
    private final MultipartEtag multipart;

    private final AtomicInteger unitsLeft = new AtomicInteger();
    private final ArrayDeque<Unit> pending = new ArrayDeque<>();
    private volatile boolean partFailed;
    private int wholeFileRetries;
    private Path stagingFile;
    private FileChannel channel;
    /**
     * One digest per verified checksum: fed while a whole object streams in; for a ranged one, a {@link RangedCrc}
     * per CRC, fed range by range by the workers, and any MD5 or SHA-256 fed by the {@link #digester}.
     */
    private List<Digests.Digest> digests = List.of();

    /** Feeds a ranged file's MD5 or SHA-256 in file order as its ranges complete; null when there is none. */
    private RangeDigester digester;

    FileTransfer(DownloadJob job, Lister.ListedFile listed) {
        this.job = job;
        this.relative = listed.relative();
        this.target = listed.target();
        this.object = listed.object();
        this.extract = listed.single() && job.request.extractArchives();
        this.localFile = job.source instanceof LocalObjectSource local ? local.localFile(object) : null;
        this.linking = localFile != null
                && job.request.linkMode() != LinkMode.COPY
                && localFile.getFileSystem() == target.getFileSystem();
        this.ranged =
                !linking && object.size() > job.settings.multipartThreshold() && job.source.supportsRanges(object);
        this.check = new ChecksumCheck(job.shown, object, job.md5Policy, this::digestStaged);
        this.multipart = check.multipart();
    }

    @Override
    public long size() {
        return object.size();
    }

    /** (Re)creates the file's units, to be started by {@link Admission}. */
    void schedule() {
        stagingFile = job.destination.staging().resolve(job.nextStagingName() + ".part");
        partFailed = false;
        channel = null;
        long size = object.size();
        long part = !ranged
                ? Math.max(size, 1)
                : multipart == null ? job.settings.partSize() : multipart.rangeLength(job.settings.partSize());
        int parts = size == 0 ? 1 : (int) ((size + part - 1) / part);
        digests = ranged ? check.newRangedDigests() : check.newDigests();
        List<Digests.Digest> inOrder = ranged ? inFileOrder(digests) : List.of();
        digester = inOrder.isEmpty() ? null : new RangeDigester(relative, inOrder, this::digestStaged, job::aborted);
        if (multipart != null) {
            multipart.begin();
        }
        unitsLeft.set(parts);
        job.unitsAdded(parts);
        synchronized (this) {
            for (int i = 0; i < parts; i++) {
                long offset = i * part;
                pending.add(new Unit(this, offset, Math.min(part, size - offset), job.engine.nextSequence()));
            }
        }
    }

    @Override
    public synchronized Unit nextUnit() {
        return pending.poll();
    }

    Path stagingFile() {
        return stagingFile;
    }

    /** The staging file, open for positional writes, shared by the file's units. */
    synchronized FileChannel channel() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(stagingFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        return channel;
    }

    /** Whether checksums are computed from the bytes as they stream in (so a local file cannot be linked blind). */
    boolean digestsBytes() {
        return !digests.isEmpty() || multipart != null;
    }

    /** A ranged file's digests that only a pass in file order computes (MD5, SHA-256); the CRCs go by range. */
    private static List<Digests.Digest> inFileOrder(List<Digests.Digest> digests) {
        List<Digests.Digest> inOrder = new ArrayList<>(digests.size());
        for (Digests.Digest d : digests) {
            if (!(d instanceof RangedCrc)) {
                inOrder.add(d);
            }
        }
        return inOrder;
    }

    /**
     * The digests a unit's bytes feed as they stream: the whole-object ones unless ranged; for a ranged file its
     * range's CRCs and ETag parts.
     */
    List<Digests.Digest> streamedDigests(Unit unit) {
        List<Digests.Digest> fed = new ArrayList<>(ranged ? List.of() : digests);
        if (ranged) {
            for (Digests.Digest d : digests) {
                if (d instanceof RangedCrc crc) {
                    fed.add(crc.forRange(unit.offset(), unit.length()));
                }
            }
        }
        if (multipart != null) {
            fed.add(multipart.forRange(unit.offset(), unit.end()));
        }
        return fed;
    }

    private void run(Unit unit) {
        boolean ok = false;
        try {
            if (!job.aborted()) {
                if (linking) {
                    job.copier.link(unit);
                } else if (unit.length() > 0) {
                    job.copier.copy(unit);
                    if (digester != null && !job.aborted()) {
                        digester.rangeDone(unit.offset(), unit.end());
                    }
                }
                ok = true;
            }
        } catch (StorageException e) {
            job.fail(e);
        } catch (IOException e) {
            job.fail(new TransferException(job.shown, relative + ": " + e, true, e));
        } catch (RuntimeException e) {
            job.fail(new TransferException(job.shown, relative + ": unexpected error: " + e, false, e));
        } finally {
            unitFinished(ok);
            job.unitEnded();
        }
    }

    /** For a unit that will never run (the engine was closed). */
    private void cancel() {
        job.fail(new TransferException(job.shown, "storage instance closed during the download", false, null));
        unitFinished(false);
        job.unitEnded();
    }

    /**
     * Called once per unit, however it ended: starts the file's next unit; the last one closes the file, publishes
     * it and hands its slot on.
     */
    private void unitFinished(boolean ok) {
        if (!ok) {
            partFailed = true;
        }
        job.admission.unitEnded(this);
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
            if (!partFailed && !job.aborted()) {
                rescheduled = complete();
            }
        } catch (StorageException e) {
            job.fail(e);
        } catch (IOException e) {
            job.fail(Destination.writeFailed(job.shown, "cannot publish " + target, e));
        }
        if (!rescheduled) {
            job.admission.fileEnded();
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
                throw new IntegrityException(
                        job.shown, relative + ": got " + actual + " bytes, the store listed " + object.size());
            }
            String mismatch = check.mismatch(digests, digester);
            if (mismatch != null) {
                if (wholeFileRetries++ < MAX_WHOLE_FILE_RETRIES) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "{0}: {1}: {2}; fetching it again ({3} of {4})",
                            job.shown,
                            relative,
                            mismatch,
                            wholeFileRetries,
                            MAX_WHOLE_FILE_RETRIES);
                    Files.deleteIfExists(stagingFile);
                    job.progress.discarded(object.size());
                    schedule();
                    job.admission.start(this); // keeps the slot it holds
                    return true;
                }
                throw new IntegrityException(
                        job.shown,
                        relative + ": " + mismatch + " (after " + (MAX_WHOLE_FILE_RETRIES + 1)
                                + " downloads); not published");
            }
        }
        publish();
        return false;
    }

    private void publish() throws IOException {
        job.destination.guard().prepareParent(target);
        Destination.moveIntoPlace(stagingFile, target);
        long mtime =
                Files.getLastModifiedTime(target, LinkOption.NOFOLLOW_LINKS).toMillis();
        job.record(
                relative,
                new Manifest.Entry(
                        object.key(),
                        object.size(),
                        object.version(),
                        object.checksum() == null ? null : object.checksum().toString(),
                        mtime));
        job.progress.published(relative, object.size());
        if (extract) {
            ArchiveExtractor.extractIfArchive(
                    job.shown,
                    target,
                    job.destination.guard().root(),
                    job.destination.staging(),
                    job.jobSettings.archiveLimits());
        }
    }

    /** Feeds bytes {@code from} to {@code to} of the staging file to {@code into}. */
    private void digestStaged(long from, long to, List<Digests.Digest> into) throws IOException {
        byte[] buffer = job.copier.buffer();
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
}
