package dev.storageinit.internal;

import dev.storageinit.DestinationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.LinkMode;
import dev.storageinit.spi.LocalObjectSource;
import dev.storageinit.spi.ObjectSource;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Brings one unit of a file into its staging file: a byte range read from the store, retried with backoff from where
 * it stopped; a local file copied by the kernel; or a link to a local file. A failed read is retried, a failed write
 * is the destination's and final at once.
 */
final class RangeCopier {
    private static final ThreadLocal<byte[]> BUFFER = new ThreadLocal<>();
    private static final long LOCAL_COPY_SLICE = 8L << 20;

    private final String shown;
    private final ObjectSource source;
    private final EngineSettings settings;
    private final Retries retries;
    private final LinkMode linkMode;
    private final Progress progress;
    private final BooleanSupplier aborted;

    RangeCopier(
            String shown,
            ObjectSource source,
            EngineSettings settings,
            Retries retries,
            LinkMode linkMode,
            Progress progress,
            BooleanSupplier aborted) {
        this.shown = shown;
        this.source = source;
        this.settings = settings;
        this.retries = retries;
        this.linkMode = linkMode;
        this.progress = progress;
        this.aborted = aborted;
    }

    /** This worker thread's transfer buffer. */
    byte[] buffer() {
        byte[] buffer = BUFFER.get();
        if (buffer == null || buffer.length != settings.bufferSize()) {
            buffer = new byte[settings.bufferSize()];
            BUFFER.set(buffer);
        }
        return buffer;
    }

    /** Hard-links or symlinks the local file into staging; copies when the file system refuses the link. */
    void link(FileTransfer.Unit unit) throws IOException {
        FileTransfer file = unit.file();
        local().checkUnchanged(file.object);
        try {
            // the real file, as copy mode reads it: a source symlink never lands as a link to its target
            Path real = file.localFile.toRealPath();
            if (linkMode == LinkMode.SYMLINK) {
                Files.createSymbolicLink(file.stagingFile(), real);
            } else {
                Files.createLink(file.stagingFile(), real);
            }
        } catch (UnsupportedOperationException | FileSystemException e) {
            copyLocal(unit);
        }
    }

    /** Copies the unit's bytes, feeding them to the file's digests as they stream. */
    void copy(FileTransfer.Unit unit) throws IOException {
        FileTransfer file = unit.file();
        if (file.localFile != null && !file.digestsBytes()) {
            copyLocal(unit);
            return;
        }
        byte[] buffer = buffer();
        FileChannel channel;
        try {
            channel = file.channel();
        } catch (IOException e) {
            throw Destination.writeFailed(shown, "cannot create " + file.stagingFile() + " for " + file.relative, e);
        }
        long position = unit.offset();
        long end = unit.end();
        List<Digests.Digest> digests = file.streamedDigests(unit);
        int attempt = 1;
        while (true) {
            long before = position;
            try (InputStream in = source.read(file.object, position, end - position)) {
                while (position < end) {
                    if (aborted.getAsBoolean()) {
                        return;
                    }
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, end - position));
                    if (n < 0) {
                        throw new EOFException("stream ended " + (end - position) + " bytes early");
                    }
                    write(file, channel, ByteBuffer.wrap(buffer, 0, n), position);
                    for (Digests.Digest d : digests) {
                        d.update(buffer, 0, n);
                    }
                    position += n;
                    progress.bytes(n);
                }
                if (in.read() >= 0) {
                    throw new IntegrityException(
                            shown,
                            file.relative + ": the store sent more bytes than the " + unit.length()
                                    + " asked for at offset " + unit.offset());
                }
                return;
            } catch (IOException e) {
                if (aborted.getAsBoolean() || !Retries.retryable(e)) {
                    throw e;
                }
                if (position > before) {
                    attempt = 1; // progress was made: count failures since the last progress
                }
                if (attempt >= settings.maxAttempts()) {
                    throw retries.exhausted(file.relative, attempt, e);
                }
                retries.pause(attempt++);
            }
        }
    }

    /** Writes to the staging file; a failure there is the destination's, final at once (never a retried read). */
    private void write(FileTransfer file, FileChannel channel, ByteBuffer bb, long at) throws DestinationException {
        try {
            while (bb.hasRemaining()) {
                at += channel.write(bb, at);
            }
        } catch (IOException e) {
            throw Destination.writeFailed(
                    shown, "cannot write " + file.relative + " (to " + file.stagingFile() + ")", e);
        }
    }

    /**
     * Files already on a local file system are copied by the kernel ({@code transferTo}: sendfile or
     * copy_file_range), in slices so that an abort is noticed and progress reported.
     */
    private void copyLocal(FileTransfer.Unit unit) throws IOException {
        FileTransfer file = unit.file();
        Path local = file.localFile;
        local().checkUnchanged(file.object);
        try (FileChannel in = FileChannel.open(local, StandardOpenOption.READ);
                FileChannel out = openStaging(file)) {
            long position = unit.offset();
            long end = unit.end();
            out.position(position);
            while (position < end && !aborted.getAsBoolean()) {
                long n;
                try {
                    n = in.transferTo(position, Math.min(end - position, LOCAL_COPY_SLICE), out);
                } catch (IOException e) {
                    if (Destination.isWriteFailure(e)) {
                        throw Destination.writeFailed(
                                shown, "cannot write " + file.relative + " (to " + file.stagingFile() + ")", e);
                    }
                    throw e;
                }
                if (n <= 0) {
                    throw new EOFException(local + " ended " + (end - position) + " bytes early");
                }
                position += n;
                progress.bytes(n);
            }
        }
        local().checkUnchanged(file.object); // a write during the copy changed it: never publish a mix
    }

    /** The source as a local one: only files of a {@link LocalObjectSource} are copied or linked by the kernel. */
    private LocalObjectSource local() {
        return (LocalObjectSource) source;
    }

    private FileChannel openStaging(FileTransfer file) throws DestinationException {
        try {
            return FileChannel.open(file.stagingFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw Destination.writeFailed(shown, "cannot create " + file.stagingFile() + " for " + file.relative, e);
        }
    }
}
