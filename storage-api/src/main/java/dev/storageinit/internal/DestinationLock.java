package dev.storageinit.internal;

import dev.storageinit.DestinationException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.support.Redactor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Exclusive use of one destination, so that two downloads never share its staging area or manifest: within this
 * JVM (two {@code SRC DEST} pairs naming one destination, two {@code Storage} instances) the second waits until the
 * first ends; across processes (an init container started again while the old one still runs) an OS file lock on
 * the bookkeeping directory's {@value #FILE_NAME} file, waited for up to a timeout. File systems without locks (some
 * NFS mounts) fall back to the in-JVM exclusion with a warning.
 */
final class DestinationLock implements AutoCloseable {
    static final String FILE_NAME = "lock";

    private static final System.Logger LOG = Redactor.logger("dev.storageinit.engine");
    private static final long POLL_MILLIS = 100;
    /** Bookkeeping directories held by a download of this JVM: OS locks are per process, so they are tracked here. */
    private static final Set<Path> HELD = new HashSet<>();

    private final Path key;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DestinationLock(Path key, Path file, FileChannel channel, FileLock lock) {
        this.key = key;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of the bookkeeping directory {@code stateDir} (which must exist).
     *
     * @param shown the redacted source URI, for messages
     * @param destination the destination, for messages
     * @param timeout how long to wait for another process
     * @throws DestinationException when another process still holds it after {@code timeout}
     */
    static DestinationLock acquire(String shown, Path destination, Path stateDir, Duration timeout)
            throws DestinationException, TransferException {
        Path key;
        try {
            // the destination's real path, not the bookkeeping directory's: a download that keeps no manifest
            // removes that directory when it ends, maybe while this one is about to lock it
            key = destination.toRealPath().resolve(stateDir.getFileName());
        } catch (IOException e) {
            throw Destination.writeFailed(shown, "cannot use " + destination, e);
        }
        waitInThisJvm(shown, destination, key);
        try {
            return lockFile(shown, destination, key, stateDir.resolve(FILE_NAME), timeout);
        } catch (DestinationException | TransferException | RuntimeException e) {
            releaseInThisJvm(key);
            throw e;
        }
    }

    private static void waitInThisJvm(String shown, Path destination, Path key) throws TransferException {
        synchronized (HELD) {
            boolean told = false;
            while (HELD.contains(key)) {
                if (!told) {
                    LOG.log(
                            System.Logger.Level.INFO,
                            "{0}: destination {1} is in use by another download of this "
                                    + "process; waiting for it to end",
                            shown,
                            destination);
                    told = true;
                }
                try {
                    HELD.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TransferException(
                            shown, "interrupted while waiting for destination " + destination, true, e);
                }
            }
            HELD.add(key);
        }
    }

    private static void releaseInThisJvm(Path key) {
        synchronized (HELD) {
            HELD.remove(key);
            HELD.notifyAll();
        }
    }

    private static DestinationLock lockFile(String shown, Path destination, Path key, Path file, Duration timeout)
            throws DestinationException, TransferException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean told = false;
        while (true) {
            FileChannel channel;
            try {
                Files.createDirectories(file.getParent()); // the holder removed it if it kept no manifest
                channel = FileChannel.open(
                        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.NoSuchFileException e) {
                if (System.nanoTime() - deadline < 0) {
                    continue; // a holder that keeps no manifest removed the directory just now: make it again
                }
                throw Destination.writeFailed(shown, "cannot open the lock file " + file, e);
            } catch (IOException e) {
                throw Destination.writeFailed(shown, "cannot open the lock file " + file, e);
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null; // held by code of this JVM that does not go through this class: wait as for a process
            } catch (IOException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "{0}: the file system of {1} cannot lock files ({2}); only "
                                + "downloads of this process are kept from using it at the same time",
                        shown,
                        destination,
                        e.getMessage());
                return new DestinationLock(key, file, channel, null);
            }
            // a holder that removed the file (no manifest kept) released it after removing: lock the new one
            if (lock != null && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return new DestinationLock(key, file, channel, lock);
            }
            closeQuietly(channel);
            if (System.nanoTime() - deadline >= 0) {
                throw new DestinationException(
                        shown,
                        "destination " + destination + " is in use by another "
                                + "download (it holds " + file + "); waited " + timeout.toSeconds() + " s ("
                                + Destination.LOCK_TIMEOUT + ")",
                        true,
                        null);
            }
            if (!told && lock == null) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "{0}: destination {1} is in use by another process; waiting up to " + "{2} s",
                        shown,
                        destination,
                        timeout.toSeconds());
                told = true;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransferException(shown, "interrupted while waiting for destination " + destination, true, e);
            }
        }
    }

    /** Removes the lock file while still holding it (the destination keeps no bookkeeping), then releases. */
    void closeAndRemove() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // an empty lock file left behind is harmless
        }
        close();
    }

    @Override
    public void close() {
        try {
            if (lock != null) {
                lock.release();
            }
        } catch (IOException e) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
        releaseInThisJvm(key);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written to it
        }
    }
}
