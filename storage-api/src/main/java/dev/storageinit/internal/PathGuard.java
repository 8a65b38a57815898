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
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps '/'-separated relative paths (object keys, archive entries) to files strictly inside one destination
 * directory, on any {@link FileSystem}. Refuses {@code ..}, absolute paths, drive letters, segments holding the
 * file system's own separator, reserved names, two keys landing on one file, and parents that are symlinks leading
 * out of the destination.
 */
public final class PathGuard {
    private final String uri;
    private final Path root;
    private final Path realRoot;
    private final Set<String> reserved;
    private final Set<Path> claimed = ConcurrentHashMap.newKeySet();
    private final Set<Path> checkedDirs = ConcurrentHashMap.newKeySet();

    /**
     * @param uri redacted source URI, for messages
     * @param root an existing destination directory
     * @param reserved top-level names that no entry may take
     */
    public PathGuard(String uri, Path root, Set<String> reserved) throws IOException {
        this.uri = uri;
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = this.root.toRealPath();
        this.reserved = Set.copyOf(reserved);
    }

    /** The destination directory, absolute and normalised. */
    public Path root() {
        return root;
    }

    /**
     * The file for {@code relativePath}, or an error saying why it is refused. Each path may be claimed once.
     *
     * @throws UnsafePathException when the path would leave the destination or collide
     * @throws ConfigurationException when the JVM's file-name encoding cannot represent the path (no UTF-8 locale)
     */
    public Path resolve(String relativePath) throws UnsafePathException, ConfigurationException {
        FileSystem fs = root.getFileSystem();
        String sep = fs.getSeparator();
        Path p = root;
        int segments = 0;
        for (String seg : relativePath.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..") || seg.indexOf('\0') >= 0 || (!sep.equals("/") && seg.contains(sep))
                    || (sep.equals("\\") && (seg.contains(":") || seg.endsWith(".") || seg.endsWith(" ")))) {
                throw refuse(relativePath, "it would be written outside the destination");
            }
            if (segments == 0 && reserved.contains(seg)) {
                throw refuse(relativePath, "'" + seg + "' is reserved for the download manifest");
            }
            Path s;
            try {
                s = fs.getPath(seg);
            } catch (InvalidPathException e) {
                String encoding = unrepresentable(fs, seg);
                if (encoding != null) {
                    throw new ConfigurationException(uri, "the JVM's file-name encoding (sun.jnu.encoding = "
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
        if (!claimed.add(normal)) {
            throw refuse(relativePath, "another object already maps to the same file");
        }
        return normal;
    }

    /**
     * Creates the parent directories of {@code file} and checks that none of them is a symlink leading out of the
     * destination.
     */
    public void prepareParent(Path file) throws IOException {
        Path parent = file.getParent();
        if (parent == null || checkedDirs.contains(parent)) {
            return;
        }
        Files.createDirectories(parent);
        if (!parent.toRealPath().startsWith(realRoot)) {
            throw refuse(root.relativize(file).toString(), "a directory on its path is a link out of the destination");
        }
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

    private UnsafePathException refuse(String relativePath, String why) {
        return new UnsafePathException(uri, "refused key '" + relativePath + "': " + why + "; nothing was written for it");
    }
}
