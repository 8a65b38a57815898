package dev.storageinit.internal;

import dev.storageinit.ConfigurationException;
import dev.storageinit.DestinationException;
import dev.storageinit.DownloadRequest;
import dev.storageinit.StorageException;
import dev.storageinit.UnsafePathException;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One download's destination directory and the tool's bookkeeping in it. Everything the tool keeps lives in one
 * hidden directory, {@value #STATE_DIR}: the lock ({@link DestinationLock}), this run's staging directory (a fresh
 * name per run, removed at the end) and, by default, the manifest. A directory and not a file, because model servers
 * list the top-level regular files of the model directory by extension (KServe's xgbserver takes {@code .bst},
 * {@code .json} and {@code .ubj} and refuses more than one). The manifest can be moved to a file of the user's
 * choice or turned off ({@value #MANIFEST_SETTING}, or the request's own choice); then the bookkeeping directory is
 * removed when the download ends and the destination holds the model alone.
 *
 * <p>Nothing is followed through a link: a link planted at the bookkeeping directory is refused, the manifest is
 * written under a fresh exclusive name and renamed into place, and parent directories that lead into the
 * bookkeeping directory are refused by the {@link PathGuard}.
 */
final class Destination implements AutoCloseable {
    /** The bookkeeping directory inside the destination. */
    static final String STATE_DIR = dev.storageinit.Storage.BOOKKEEPING_DIRECTORY;
    /** Setting: {@code none} for no manifest, or the manifest's file path. */
    static final String MANIFEST_SETTING = "STORAGE_MANIFEST";
    /** Setting: seconds to wait for another process using the destination (default 60). */
    static final String LOCK_TIMEOUT = "STORAGE_LOCK_TIMEOUT";

    static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(60);
    /** Names of the bookkeeping kept directly in the destination by earlier versions; removed when found. */
    private static final String LEGACY_MANIFEST = ".storage-initializer.json";

    private static final Set<String> LEGACY =
            Set.of(LEGACY_MANIFEST, LEGACY_MANIFEST + ".tmp", ".storage-initializer.staging");
    /** Top-level names no key or archive entry may take or reach through a link. */
    static final Set<String> RESERVED =
            Set.of(STATE_DIR, LEGACY_MANIFEST, LEGACY_MANIFEST + ".tmp", ".storage-initializer.staging");

    private static final String STAGING_PREFIX = "staging-";

    private final String shown;
    private final Path root;
    private final Path stateDir;
    private final DestinationLock lock;
    private final Path staging;
    private final PathGuard guard;
    private final Path manifestFile;
    private final Manifest previous;

    private Destination(
            String shown,
            Path root,
            Path stateDir,
            DestinationLock lock,
            Path staging,
            PathGuard guard,
            Path manifestFile,
            Manifest previous) {
        this.shown = shown;
        this.root = root;
        this.stateDir = stateDir;
        this.lock = lock;
        this.staging = staging;
        this.guard = guard;
        this.manifestFile = manifestFile;
        this.previous = previous;
    }

    /**
     * Creates the destination if needed, takes its lock (waiting for another download using it), removes what
     * earlier runs left, and creates this run's staging directory.
     */
    static Destination open(String shown, DownloadRequest request, JobSettings settings) throws StorageException {
        Path dest = request.destination().toAbsolutePath().normalize();
        Optional<Path> manifestFile = settings.manifestFile();
        Duration timeout = settings.lockTimeout();
        Path stateDir = dest.resolve(STATE_DIR);
        try {
            if (Files.exists(dest) && !Files.isDirectory(dest)) {
                throw new ConfigurationException(shown, "destination " + dest + " exists and is not a directory");
            }
            Files.createDirectories(dest);
            if (Files.isSymbolicLink(stateDir)
                    || Files.exists(stateDir, LinkOption.NOFOLLOW_LINKS)
                            && !Files.isDirectory(stateDir, LinkOption.NOFOLLOW_LINKS)) {
                throw new UnsafePathException(
                        shown,
                        "destination " + dest + " holds '" + STATE_DIR + "', which is "
                                + "not the tool's directory (a link or a file); remove it");
            }
            Files.createDirectories(stateDir);
        } catch (StorageException e) {
            throw e;
        } catch (IOException e) {
            throw writeFailed(shown, "cannot prepare destination " + dest, e);
        }
        DestinationLock lock = DestinationLock.acquire(shown, dest, stateDir, timeout);
        try {
            if (Files.isSymbolicLink(stateDir)) {
                throw new UnsafePathException(
                        shown,
                        "destination " + dest + " holds '" + STATE_DIR + "' as a link, "
                                + "not the tool's directory; remove it");
            }
            Manifest previous = readPrevious(shown, dest, manifestFile);
            removeLeftovers(dest, stateDir);
            // the name only has to be new (createDirectory fails on one that exists), not unguessable: no
            // SecureRandom, whose provider set-up cost 5 ms of every start
            Path staging = stateDir.resolve(STAGING_PREFIX
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
            Files.createDirectory(staging);
            PathGuard guard = new PathGuard(shown, dest, RESERVED);
            if (manifestFile.isPresent()
                    && manifestFile.get().startsWith(dest)
                    && !manifestFile.get().startsWith(stateDir)) {
                guard.resolve(dest.relativize(manifestFile.get())
                        .toString()
                        .replace(dest.getFileSystem().getSeparator(), "/"));
            }
            return new Destination(shown, dest, stateDir, lock, staging, guard, manifestFile.orElse(null), previous);
        } catch (StorageException e) {
            lock.close();
            throw e;
        } catch (IOException e) {
            lock.close();
            throw writeFailed(shown, "cannot prepare destination " + dest, e);
        }
    }

    /** What a dry run reads of a destination: its path guard and the previous run's manifest. */
    record View(PathGuard guard, Manifest previous) {}

    /** The destination as it is, creating, locking and removing nothing (it need not exist). */
    static View view(String shown, DownloadRequest request, JobSettings settings) throws StorageException {
        Path dest = request.destination().toAbsolutePath().normalize();
        if (Files.exists(dest) && !Files.isDirectory(dest)) {
            throw new ConfigurationException(shown, "destination " + dest + " exists and is not a directory");
        }
        try {
            return new View(new PathGuard(shown, dest, RESERVED), readPrevious(shown, dest, settings.manifestFile()));
        } catch (IOException e) {
            throw writeFailed(shown, "cannot read destination " + dest, e);
        }
    }

    /** Where the manifest goes: the request's file, else {@code STORAGE_MANIFEST}, else the default; empty for none. */
    static Optional<Path> manifestFile(DownloadRequest request, Path dest, Settings settings)
            throws ConfigurationException {
        if (!request.keepManifest()) {
            return Optional.empty();
        }
        if (request.manifestFile() != null) {
            return Optional.of(request.manifestFile().toAbsolutePath().normalize());
        }
        Optional<Setting> value = settings.get(MANIFEST_SETTING);
        if (value.isEmpty()) {
            return Optional.of(dest.resolve(STATE_DIR).resolve(Manifest.FILE_NAME));
        }
        if (value.get().value().equalsIgnoreCase("none")) {
            return Optional.empty();
        }
        try {
            Path file = dest.getFileSystem()
                    .getPath(value.get().value())
                    .toAbsolutePath()
                    .normalize();
            if (Files.isDirectory(file)) {
                throw new ConfigurationException(
                        settings.uri(),
                        value.get() + " names the directory " + file + "; give the manifest's file path, or none");
            }
            return Optional.of(file);
        } catch (InvalidPathException e) {
            throw new ConfigurationException(settings.uri(), value.get() + " is not a usable path: " + e.getReason());
        }
    }

    /** {@code STORAGE_LOCK_TIMEOUT}: seconds, 0 or more. */
    static Duration lockTimeout(Settings settings) throws ConfigurationException {
        Optional<Setting> value = settings.get(LOCK_TIMEOUT);
        return value.isEmpty() ? DEFAULT_LOCK_TIMEOUT : value.get().secondsOrZero();
    }

    /** The previous manifest: the configured file, else one an earlier version left in the destination. */
    private static Manifest readPrevious(String shown, Path dest, Optional<Path> manifestFile) {
        if (manifestFile.isEmpty()) {
            return new Manifest(shown);
        }
        if (Files.isRegularFile(manifestFile.get(), LinkOption.NOFOLLOW_LINKS)) {
            return Manifest.readFor(manifestFile.get(), shown);
        }
        return Manifest.readFor(dest.resolve(LEGACY_MANIFEST), shown);
    }

    /** Staging directories of runs that were killed, and the files earlier versions kept in the destination. */
    private static void removeLeftovers(Path dest, Path stateDir) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(stateDir, STAGING_PREFIX + "*")) {
            for (Path child : children) {
                deleteTree(child);
            }
        }
        for (String name : LEGACY) {
            deleteTree(dest.resolve(name));
        }
    }

    /** The destination directory, absolute and normalised. */
    Path root() {
        return root;
    }

    /** The guard mapping keys to files of this destination. */
    PathGuard guard() {
        return guard;
    }

    /** This run's staging directory, on the destination's file system. */
    Path staging() {
        return staging;
    }

    /** The manifest of the previous run of the same source, or an empty one. */
    Manifest previousManifest() {
        return previous;
    }

    /** Writes {@code manifest} where it is kept; nothing when no manifest is kept. */
    void writeManifest(Manifest manifest) throws DestinationException {
        if (manifestFile == null) {
            return;
        }
        try {
            Path parent = manifestFile.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            manifest.write(manifestFile);
        } catch (IOException e) {
            throw writeFailed(shown, "cannot write the manifest " + manifestFile, e);
        }
    }

    /** Removes the staging directory and, when the manifest is kept elsewhere or not at all, the bookkeeping. */
    @Override
    public void close() throws DestinationException {
        try {
            deleteTree(staging);
        } catch (IOException e) {
            lock.close();
            throw writeFailed(shown, "cannot remove the staging directory " + staging, e);
        }
        if (manifestFile != null && manifestFile.startsWith(stateDir)) {
            lock.close();
            return;
        }
        lock.closeAndRemove();
        try {
            Files.deleteIfExists(stateDir);
        } catch (IOException e) {
            // another download is waiting for it and keeps it
        }
    }

    /** Moves {@code from} onto {@code to} atomically where the file system can, replacing (never following) it. */
    static void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a file or directory tree without following links; nothing when it does not exist. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    deleteTree(child);
                }
            }
        }
        Files.deleteIfExists(dir);
    }

    /**
     * The error for a failed local write: final, naming the path, and saying so plainly when the disk is full.
     *
     * @param what what was being done, with the local path
     */
    static DestinationException writeFailed(String shown, String what, IOException e) {
        if (e instanceof DestinationException destination) {
            return destination;
        }
        String reason = String.valueOf(e.getMessage());
        if (isDiskFull(e)) {
            return new DestinationException(
                    shown, what + ": the destination's disk is full (" + reason + ")", false, e);
        }
        if (reason.toLowerCase(Locale.ROOT).contains("read-only file system")) {
            return new DestinationException(shown, what + ": the destination is on a read-only file system", false, e);
        }
        return new DestinationException(shown, what + ": " + e, false, e);
    }

    /** Whether {@code e} says a local write failed for want of space or of write access (not a failed read). */
    static boolean isWriteFailure(IOException e) {
        return isDiskFull(e)
                || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("read-only file system");
    }

    private static boolean isDiskFull(IOException e) {
        String lower = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return lower.contains("no space left") || lower.contains("out of disk space") || lower.contains("disk quota");
    }
}
