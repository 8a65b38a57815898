package dev.storageinit.internal;

import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.UnsafePathException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * One archive walked entry by entry into a fresh work directory, each entry checked by the {@link PathGuard} and
 * against the {@link ArchiveExtractor.Limits}; see {@link ArchiveExtractor} for what is refused.
 */
final class ArchiveExtraction {
    private static final int MAX_LINK_TARGET = 4096;

    private final String uri;
    private final Path archive;
    private final String archiveName;
    private final ArchiveExtractor.Limits limits;
    private final long archiveSize;
    private final PathGuard guard;
    private final ArchiveLinks links;
    private final boolean posix;
    private final Set<String> dirs = new HashSet<>();
    private final Map<String, Path> regularFiles = new HashMap<>();
    private final byte[] buffer = new byte[64 << 10];
    private long entries;
    private long bytes;

    ArchiveExtraction(String uri, Path archive, Path work, ArchiveExtractor.Limits limits) throws IOException {
        this.uri = uri;
        this.archive = archive;
        this.archiveName = archive.getFileName().toString();
        this.limits = limits;
        this.archiveSize = Files.size(archive);
        this.guard = PathGuard.forArchive(uri, work, Destination.RESERVED, archiveName);
        this.links = new ArchiveLinks(guard, work, this::refuse);
        this.posix = work.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Extracts every entry, then creates the links. */
    void run(ArchiveFormat format) throws IOException {
        if (format == ArchiveFormat.ZIP) {
            zip();
        } else {
            tar(format);
        }
        links.create();
    }

    long entries() {
        return entries;
    }

    long bytes() {
        return bytes;
    }

    private void zip() throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(archive, StandardOpenOption.READ)) {
            ZipFile zip;
            try {
                zip = ZipFile.builder().setSeekableByteChannel(channel).get();
            } catch (IOException e) {
                throw corrupt(e);
            }
            try (zip) {
                Enumeration<ZipArchiveEntry> all = zip.getEntries();
                while (all.hasMoreElements()) {
                    ZipArchiveEntry e = all.nextElement();
                    countEntry();
                    if (!zip.canReadEntryData(e)) {
                        throw refuse(e.getName(), "it is encrypted or uses an unsupported compression method");
                    }
                    int mode = e.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? e.getUnixMode() : 0;
                    int type = mode & 0170000;
                    if (e.isDirectory() || type == 0040000) {
                        directory(e.getName());
                    } else if (e.isUnixSymlink()) {
                        try (InputStream in = zip.getInputStream(e)) {
                            symlink(e.getName(), linkTarget(e.getName(), in));
                        }
                    } else if (type != 0 && type != 0100000) {
                        throw refuse(e.getName(), "it is a device file, FIFO or socket");
                    } else {
                        try (InputStream in = zip.getInputStream(e)) {
                            file(e.getName(), in, mode);
                        }
                    }
                }
            }
        }
    }

    private void tar(ArchiveFormat format) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 64 << 10)) {
            TarArchiveInputStream tar;
            try {
                tar = new TarArchiveInputStream(format.decompress(raw), "UTF-8");
            } catch (IOException e) {
                throw corrupt(e);
            }
            try (tar) {
                while (true) {
                    TarArchiveEntry e;
                    try {
                        e = tar.getNextEntry();
                    } catch (IOException ex) {
                        throw corrupt(ex);
                    }
                    if (e == null) {
                        return;
                    }
                    String name = e.getName();
                    countEntry();
                    if (e.isDirectory()) {
                        directory(name);
                    } else if (e.isSymbolicLink()) {
                        symlink(name, e.getLinkName());
                    } else if (e.isLink()) {
                        hardLink(name, e.getLinkName());
                    } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                        throw refuse(name, "it is a device file or FIFO");
                    } else if (e.isFile()) {
                        file(name, tar, e.getMode());
                    } else {
                        throw refuse(name, "its tar entry type is not supported");
                    }
                }
            }
        }
    }

    private void countEntry() throws UnsafePathException {
        if (++entries > limits.maxEntries()) {
            throw bomb("it has more than " + limits.maxEntries() + " entries (" + ArchiveExtractor.MAX_ENTRIES + ")");
        }
    }

    private void directory(String name) throws IOException {
        String norm = normalise(name);
        if (norm.isEmpty() || !dirs.add(norm)) {
            return; // "./" or a repeated directory entry
        }
        refuseAbsolute(name);
        Path dir = guard.resolveFolder(norm);
        guard.prepareParent(dir);
        Files.createDirectories(dir);
        setMode(dir, 0755);
    }

    private void file(String name, InputStream in, int mode) throws IOException {
        String norm = normalise(name);
        Path target = resolve(name, norm);
        guard.prepareParent(target);
        try (OutputStream out =
                Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    throw corrupt(e);
                }
                if (n < 0) {
                    break;
                }
                bytes += n;
                checkBytes();
                out.write(buffer, 0, n);
            }
        }
        setMode(target, (mode & 0100) != 0 ? 0755 : 0644);
        regularFiles.put(norm, target);
    }

    private void checkBytes() throws UnsafePathException {
        if (bytes > limits.maxBytes()) {
            throw bomb("it expands to more than " + limits.maxBytes() + " bytes (" + ArchiveExtractor.MAX_BYTES + ")");
        }
        if (limits.maxRatio() > 0 && bytes > ArchiveExtractor.RATIO_FLOOR && bytes / limits.maxRatio() > archiveSize) {
            throw bomb("it expands to more than " + limits.maxRatio() + " times its size of " + archiveSize + " bytes ("
                    + ArchiveExtractor.MAX_RATIO + ")");
        }
    }

    private String linkTarget(String name, InputStream in) throws IOException {
        byte[] b;
        try {
            b = in.readNBytes(MAX_LINK_TARGET + 1);
        } catch (IOException e) {
            throw corrupt(e);
        }
        if (b.length > MAX_LINK_TARGET) {
            throw refuse(name, "its link target is longer than " + MAX_LINK_TARGET + " bytes");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private void symlink(String name, String target) throws IOException {
        String norm = normalise(name);
        links.add(name, norm, resolve(name, norm), target);
    }

    private void hardLink(String name, String target) throws IOException {
        String norm = normalise(name);
        Path existing = regularFiles.get(normalise(target == null ? "" : target));
        if (existing == null) {
            throw refuse(name, "it is a hard link to '" + target + "', which is not an earlier file of the archive");
        }
        Path link = resolve(name, norm);
        guard.prepareParent(link);
        try {
            Files.createLink(link, existing);
        } catch (UnsupportedOperationException | IOException e) {
            bytes += Files.size(existing);
            checkBytes();
            Files.copy(existing, link);
        }
        regularFiles.put(norm, link);
    }

    /** The file for an entry, or why it is refused. */
    private Path resolve(String name, String norm) throws UnsafePathException, ConfigurationException {
        refuseAbsolute(name);
        return guard.resolve(norm);
    }

    private void refuseAbsolute(String name) throws UnsafePathException {
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            throw refuse(name, "it has an absolute path");
        }
    }

    private void setMode(Path p, int mode) throws IOException {
        if (posix) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode == 0755 ? "rwxr-xr-x" : "rw-r--r--"));
        }
    }

    private static String normalise(String name) {
        StringBuilder sb = new StringBuilder();
        for (String seg : name.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(seg);
        }
        return sb.toString();
    }

    private UnsafePathException refuse(String entry, String why) {
        return new UnsafePathException(
                uri,
                "refused archive " + archiveName + ": entry '" + entry + "': " + why
                        + "; nothing of the archive was published");
    }

    private UnsafePathException bomb(String why) {
        return new UnsafePathException(
                uri, "refused archive " + archiveName + ": " + why + "; nothing of the archive was published");
    }

    private IntegrityException corrupt(IOException e) {
        if (e instanceof IntegrityException integrity) {
            return integrity;
        }
        return new IntegrityException(uri, "archive " + archiveName + " is corrupt or truncated: " + e.getMessage(), e);
    }
}
