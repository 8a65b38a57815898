package dev.storageinit.internal;

import dev.storageinit.ConfigurationException;
import dev.storageinit.UnsafePathException;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps '/'-separated relative paths (object keys, archive entries) to files strictly inside one destination
 * directory, on any {@link FileSystem}. Refuses {@code ..}, absolute paths, drive letters, segments holding the
 * file system's own separator, reserved names, two keys landing on one file, a key that is both a file and the
 * folder of another ({@code a} and {@code a/b}), and parents that are symlinks leading out of the destination or
 * into its reserved (bookkeeping) names.
 */
public final class PathGuard {
    private final String uri;
    private final Path root;
    private final Path realRoot;
    private final Set<String> reserved;
    private final String subject;
    private final String outcome;
    private final Set<Path> claimed = new HashSet<>();
    private final Set<Path> claimedFolders = new HashSet<>();
    private final Set<Path> checkedDirs = ConcurrentHashMap.newKeySet();

    /**
     * @param uri redacted source URI, for messages
     * @param root an existing destination directory
     * @param reserved top-level names that no entry may take nor reach through a link
     */
    public PathGuard(String uri, Path root, Set<String> reserved) throws IOException {
        this(uri, root, reserved, "key", "nothing was written for it");
    }

    private PathGuard(String uri, Path root, Set<String> reserved, String subject, String outcome) throws IOException {
        this.uri = uri;
        this.root = root.toAbsolutePath().normalize();
        // a dry run's destination may not exist yet; then nothing below it is a link either
        this.realRoot = Files.exists(this.root) ? this.root.toRealPath() : this.root;
        this.reserved = Set.copyOf(reserved);
        this.subject = subject;
        this.outcome = outcome;
    }

    /** A guard for the entries of one archive: its refusals name the archive and say that none of it was published. */
    public static PathGuard forArchive(String uri, Path root, Set<String> reserved, String archiveName)
            throws IOException {
        return new PathGuard(
                uri, root, reserved, "archive " + archiveName + ": entry", "nothing of the archive was published");
    }

    /** The destination directory, absolute and normalised. */
    public Path root() {
        return root;
    }

    /** Whether {@code name} is one of the reserved top-level names. */
    public boolean isReserved(String name) {
        return reserved.contains(name);
    }

    /**
     * The file for {@code relativePath}, or an error saying why it is refused. Each path may be claimed once, and a
     * claimed file may not be the folder of another claimed path (nor the reverse).
     *
     * @throws UnsafePathException when the path would leave the destination or collide
     * @throws ConfigurationException when the JVM's file-name encoding cannot represent the path (no UTF-8 locale)
     */
    public Path resolve(String relativePath) throws UnsafePathException, ConfigurationException {
        Path file = toPath(relativePath);
        claim(relativePath, file);
        return file;
    }

    /**
     * The directory for {@code relativePath} (an archive's folder entry), claimed as a folder: no claimed file may
     * sit on its path.
     *
     * @throws UnsafePathException when the path would leave the destination or collide with a file
     * @throws ConfigurationException when the JVM's file-name encoding cannot represent it
     */
    public Path resolveFolder(String relativePath) throws UnsafePathException, ConfigurationException {
        Path folder = toPath(relativePath);
        claimFolders(relativePath, folder);
        return folder;
    }

    private Path toPath(String relativePath) throws UnsafePathException, ConfigurationException {
        FileSystem fs = root.getFileSystem();
        String sep = fs.getSeparator();
        Path p = root;
        int segments = 0;
        for (String seg : relativePath.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")
                    || seg.indexOf('\0') >= 0
                    || (!sep.equals("/") && seg.contains(sep))
                    || (sep.equals("\\") && (seg.contains(":") || seg.endsWith(".") || seg.endsWith(" ")))) {
                throw refuse(relativePath, "it would be written outside the destination");
            }
            if (segments == 0 && reserved.contains(seg)) {
                throw refuse(relativePath, "'" + seg + "' is reserved for the tool's own bookkeeping");
            }
            Path s;
            try {
                s = fs.getPath(seg);
            } catch (InvalidPathException e) {
                String encoding = unrepresentable(fs, seg);
                if (encoding != null) {
                    throw new ConfigurationException(
                            uri,
                            "the JVM's file-name encoding (sun.jnu.encoding = "
                                    + encoding + ") cannot represent key '" + relativePath
                                    + "'; start it with LANG=C.UTF-8 or LC_ALL=C.UTF-8");
                }
                throw refuse(relativePath, "it is not a valid file name here (" + e.getReason() + ")");
            }
            if (s.isAbsolute() || s.getRoot() != null || s.getNameCount() != 1) {
                throw refuse(relativePath, "it would be written outside the destination");
            }
            p = p.resolve(s);
            segments++;
        }
        if (segments == 0) {
            throw refuse(relativePath, "it names no file");
        }
        Path normal = p.normalize();
        if (!normal.startsWith(root) || normal.equals(root)) {
            throw refuse(relativePath, "it would be written outside the destination");
        }
        return normal;
    }

    private synchronized void claim(String relativePath, Path file) throws UnsafePathException {
        if (claimedFolders.contains(file)) {
            throw refuse(
                    relativePath,
                    "other entries are inside '" + relative(file)
                            + "', so it cannot also be a file (a file and a folder on one path)");
        }
        claimFolders(relativePath, file.getParent());
        if (!claimed.add(file)) {
            throw refuse(relativePath, "another object already maps to the same file");
        }
    }

    /** Claims {@code folder} and its ancestors as folders; refused when one of them is a claimed file. */
    private synchronized void claimFolders(String relativePath, Path folder) throws UnsafePathException {
        for (Path f = folder; f != null && !f.equals(root); f = f.getParent()) {
            if (claimed.contains(f)) {
                throw refuse(
                        relativePath,
                        "'" + relative(f)
                                + "' is a file or link of this download, so nothing can be written below it (a file and a folder on one path)");
            }
        }
        for (Path f = folder; f != null && !f.equals(root) && claimedFolders.add(f); f = f.getParent()) {
            // claimed up to the first folder claimed before
        }
    }

    /**
     * Checks, without changing anything, that {@code file} can be placed: no folder on its path is an existing file,
     * no folder on its path leads out of the destination or into a reserved name through a link, and, for a file,
     * the path is not an existing directory.
     */
    public void checkPlacement(Path file, boolean isDirectory) throws IOException {
        String rel = relative(file);
        for (Path folder = root.resolve(file.getName(root.getNameCount()));
                !folder.equals(file);
                folder = folder.resolve(file.getName(folder.getNameCount()))) {
            if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            checkFolder(rel, folder);
        }
        if (!isDirectory && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse(rel, "it exists in the destination as a directory");
        }
        if (isDirectory && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            checkFolder(rel, file);
        }
    }

    private void checkFolder(String rel, Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw refuse(
                    rel,
                    "'" + relative(folder)
                            + "' exists in the destination as a file, so nothing can be written below it");
        }
        if (Files.isSymbolicLink(folder)) {
            checkRealFolder(rel, folder.toRealPath());
        }
    }

    private void checkRealFolder(String rel, Path real) throws UnsafePathException {
        if (!real.startsWith(realRoot)) {
            throw refuse(rel, "a directory on its path is a link out of the destination");
        }
        if (!real.equals(realRoot)
                && reserved.contains(realRoot.relativize(real).getName(0).toString())) {
            throw refuse(rel, "a directory on its path is a link into the tool's own bookkeeping directory");
        }
    }

    /**
     * Creates the parent directories of {@code file} after {@link #checkPlacement} and checks that none of them is a
     * symlink leading out of the destination or into a reserved name.
     */
    public void prepareParent(Path file) throws IOException {
        Path parent = file.getParent();
        if (parent == null || checkedDirs.contains(parent)) {
            return;
        }
        checkPlacement(file, false);
        Files.createDirectories(parent);
        checkRealFolder(relative(file), parent.toRealPath());
        checkedDirs.add(parent);
    }

    /**
     * The JVM's file-name encoding when it is what keeps {@code segment} from being a file name of the default file
     * system (a JVM started without a UTF-8 locale names files in ASCII), else null.
     */
    private static String unrepresentable(FileSystem fs, String segment) {
        String encoding = System.getProperty("sun.jnu.encoding");
        if (fs != FileSystems.getDefault() || encoding == null || !Charset.isSupported(encoding)) {
            return null;
        }
        Charset charset = Charset.forName(encoding);
        return charset.equals(StandardCharsets.UTF_8) || charset.newEncoder().canEncode(segment) ? null : encoding;
    }

    private String relative(Path p) {
        return root.relativize(p).toString().replace(root.getFileSystem().getSeparator(), "/");
    }

    private UnsafePathException refuse(String relativePath, String why) {
        return new UnsafePathException(uri, "refused " + subject + " '" + relativePath + "': " + why + "; " + outcome);
    }
}
