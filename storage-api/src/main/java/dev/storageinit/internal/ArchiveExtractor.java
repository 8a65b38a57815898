package dev.storageinit.internal;

import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.UnsafePathException;
import dev.storageinit.spi.support.Settings;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Extracts a single downloaded archive into the destination, for every provider. An archive is recognised by its
 * name ({@code .zip}, {@code .tar}, {@code .tar.gz}/{@code .tgz}, {@code .tar.bz2}/{@code .tbz2},
 * {@code .tar.xz}/{@code .txz}) and then decoded by its content (magic bytes), never by the machine's mime tables;
 * a name without any extension ({@code https://host/download?id=3}) is recognised by content alone. Any other
 * extension is never extracted, because many model formats are zip files themselves ({@code .pt}, {@code .pth},
 * PyTorch's {@code .bin}, {@code .keras}, {@code .npz}, {@code .mar}).
 *
 * <p>Safety: every entry goes through {@link PathGuard} (no {@code ..}, no absolute paths, no reserved names, no
 * two entries on one file); symbolic links are created last and refused when they are absolute or resolve outside
 * the destination (checked on the real file system, so chains of links cannot escape); hard links must name an
 * earlier regular entry; device files, FIFOs and sockets are refused; setuid/setgid/sticky bits are dropped
 * (files become 0644, or 0755 when the entry had the owner's execute bit; directories 0755). Zip-bomb guards:
 * at most {@code STORAGE_EXTRACT_MAX_BYTES} extracted bytes (default 64 GiB), at most
 * {@code STORAGE_EXTRACT_MAX_ENTRIES} entries (default 1,000,000), and, once more than 64 MiB are extracted, at
 * most {@code STORAGE_EXTRACT_MAX_RATIO} (default 200, 0 turns it off) times the archive's size. The archive is
 * extracted into a directory under the staging directory and moved into place only when every entry was
 * accepted, so a refused archive publishes nothing; the archive itself is removed in every case.
 */
public final class ArchiveExtractor {
    private static final System.Logger LOG = Redactor.logger(ArchiveExtractor.class.getName());

    /** Default cap on extracted bytes: 64 GiB. */
    public static final long DEFAULT_MAX_BYTES = 64L << 30;
    /** Default cap on the number of entries. */
    public static final long DEFAULT_MAX_ENTRIES = 1_000_000L;
    /** Default cap on extracted bytes per archive byte, applied above {@link #RATIO_FLOOR}. */
    public static final long DEFAULT_MAX_RATIO = 200L;
    /** Extracted bytes below which the ratio is not checked (small archives of text compress well). */
    public static final long RATIO_FLOOR = 64L << 20;

    /** Setting names, read from the request's credential source like every other setting. */
    public static final String MAX_BYTES = "STORAGE_EXTRACT_MAX_BYTES";
    public static final String MAX_ENTRIES = "STORAGE_EXTRACT_MAX_ENTRIES";
    public static final String MAX_RATIO = "STORAGE_EXTRACT_MAX_RATIO";

    private static final int MAX_LINK_TARGET = 4096;
    private static final int XZ_MEMORY_LIMIT_KIB = 128 << 10;
    private static final AtomicLong WORK_DIRS = new AtomicLong();

    /** The formats, as decoded from the content. */
    public enum Kind {
        ZIP, TAR, TAR_GZ, TAR_BZ2, TAR_XZ
    }

    /**
     * The zip-bomb limits.
     *
     * @param maxBytes extracted bytes, over all entries
     * @param maxEntries entries of any type
     * @param maxRatio extracted bytes per archive byte above {@link #RATIO_FLOOR}; 0 for no ratio check
     */
    public record Limits(long maxBytes, long maxEntries, long maxRatio) {
        /** The defaults. */
        public static Limits defaults() {
            return new Limits(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_RATIO);
        }

        /** The limits from {@code settings}, defaults for what is not set. */
        static Limits from(Settings settings) throws ConfigurationException {
            return new Limits(settings.nonNegativeLong(MAX_BYTES, DEFAULT_MAX_BYTES),
                    settings.nonNegativeLong(MAX_ENTRIES, DEFAULT_MAX_ENTRIES),
                    settings.nonNegativeLong(MAX_RATIO, DEFAULT_MAX_RATIO));
        }
    }

    private ArchiveExtractor() {}

    /**
     * Extracts {@code archive} into {@code destination} and removes it when it is an archive; does nothing
     * otherwise.
     *
     * @param uri the redacted source URI, for messages
     * @param archive the published download, a file directly inside {@code destination}
     * @param destination the download's destination directory
     * @param workDir a scratch directory inside {@code destination} (the engine's staging directory)
     * @param limits the zip-bomb limits, parsed when the download started
     * @return whether it was an archive and was extracted
     * @throws UnsafePathException when an entry is unsafe or a limit is exceeded; nothing of the archive is
     *     published then
     * @throws IntegrityException when the file is named like an archive but is not one, or is corrupt
     */
    public static boolean extractIfArchive(String uri, Path archive, Path destination, Path workDir,
            Limits limits) throws IOException {
        String name = archive.getFileName().toString();
        Kind kind;
        try {
            kind = detect(uri, name, archive);
        } catch (IOException e) {
            Files.deleteIfExists(archive); // not what its name promises: publish nothing that looks complete
            throw e;
        }
        if (kind == null) {
            return false;
        }
        extract(uri, archive, kind, destination, workDir, limits);
        return true;
    }

    /**
     * Extracts {@code archive}, of format {@code kind}, into {@code destination} and removes it; see the class
     * comment for what is refused.
     */
    public static void extract(String uri, Path archive, Kind kind, Path destination, Path workDir, Limits limits)
            throws IOException {
        Path work = workDir.resolve("extract-" + WORK_DIRS.incrementAndGet());
        boolean published = false;
        try {
            Destination.deleteTree(work);
            Files.createDirectories(work);
            Extraction x = new Extraction(uri, archive, work, limits);
            if (kind == Kind.ZIP) {
                x.zip();
            } else {
                x.tar(kind);
            }
            x.createLinks();
            Files.deleteIfExists(archive); // before publishing: an entry may carry the archive's own name
            int moved = publish(uri, work, destination, archive.getFileName().toString());
            published = true;
            LOG.log(Level.INFO, "{0}: extracted {1} archive {2}: {3} entries, {4} bytes, {5} files and links",
                    uri, kind, archive.getFileName(), x.entries, x.bytes, moved);
        } finally {
            try {
                Destination.deleteTree(work);
            } finally {
                if (!published) {
                    Files.deleteIfExists(archive);
                }
            }
        }
    }

    // ---------------------------------------------------------------- detection

    /** The kind of archive {@code file} is, or null when it is not to be extracted. */
    public static Kind detect(String uri, String name, Path file) throws IOException {
        String lower = name.toLowerCase(Locale.ROOT);
        Kind byName = byName(lower);
        boolean hasExtension = lower.lastIndexOf('.') > 0;
        if (byName == null && hasExtension) {
            return null;
        }
        byte[] head = head(file, 512);
        Kind sniffed = sniff(head);
        if (byName != null) {
            if (sniffed == null && byName == Kind.TAR && Files.size(file) % 512 == 0 && Files.size(file) > 0) {
                return Kind.TAR; // an old (v7) tar has no magic
            }
            if (sniffed == null) {
                throw new IntegrityException(uri, "'" + name + "' is named like a " + describe(byName)
                        + " archive but its content is not one (it starts with " + printable(head) + ")");
            }
            return sniffed;
        }
        if (sniffed == null || sniffed == Kind.ZIP || sniffed == Kind.TAR) {
            return sniffed;
        }
        // an extension-less compressed file is extracted only when a tar is inside
        try (InputStream in = decompressor(sniffed, new BufferedInputStream(Files.newInputStream(file)))) {
            byte[] inner = in.readNBytes(512);
            return TarArchiveInputStream.matches(inner, inner.length) ? sniffed : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Kind byName(String lower) {
        if (lower.endsWith(".zip")) {
            return Kind.ZIP;
        }
        if (lower.endsWith(".tar")) {
            return Kind.TAR;
        }
        if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) {
            return Kind.TAR_GZ;
        }
        if (lower.endsWith(".tar.bz2") || lower.endsWith(".tbz2") || lower.endsWith(".tbz")) {
            return Kind.TAR_BZ2;
        }
        if (lower.endsWith(".tar.xz") || lower.endsWith(".txz")) {
            return Kind.TAR_XZ;
        }
        return null;
    }

    private static Kind sniff(byte[] h) {
        if (h.length >= 4 && h[0] == 'P' && h[1] == 'K'
                && ((h[2] == 3 && h[3] == 4) || (h[2] == 5 && h[3] == 6) || (h[2] == 7 && h[3] == 8))) {
            return Kind.ZIP;
        }
        if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return Kind.TAR_GZ;
        }
        if (h.length >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') {
            return Kind.TAR_BZ2;
        }
        if (h.length >= 6 && (h[0] & 0xff) == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z'
                && h[5] == 0) {
            return Kind.TAR_XZ;
        }
        if (h.length >= 512 && TarArchiveInputStream.matches(h, h.length)) {
            return Kind.TAR;
        }
        return null;
    }

    private static String describe(Kind k) {
        switch (k) {
            case ZIP:
                return "zip";
            case TAR:
                return "tar";
            case TAR_GZ:
                return "gzip-compressed tar";
            case TAR_BZ2:
                return "bzip2-compressed tar";
            default:
                return "xz-compressed tar";
        }
    }

    private static byte[] head(Path file, int n) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        }
    }

    private static String printable(byte[] head) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < Math.min(head.length, 16); i++) {
            int c = head[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append('"').toString();
    }

    private static InputStream decompressor(Kind kind, InputStream in) throws IOException {
        switch (kind) {
            case TAR_GZ:
                return GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
            case TAR_BZ2:
                return new BZip2CompressorInputStream(in, true);
            case TAR_XZ:
                // a hostile header could ask for gigabytes of dictionary: xz -9 needs 64 MiB
                return XZCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true)
                        .setMemoryLimitKiB(XZ_MEMORY_LIMIT_KIB).get();
            default:
                return in;
        }
    }

    // ---------------------------------------------------------------- extraction into the work directory

    /** One archive being extracted into a fresh work directory. */
    private static final class Extraction {
        final String uri;
        final Path archive;
        final String archiveName;
        final Path work;
        final Path realWork;
        final Limits limits;
        final long archiveSize;
        final PathGuard guard;
        final boolean posix;
        final Set<String> dirs = new HashSet<>();
        final Map<String, Path> regularFiles = new HashMap<>();
        final List<Path[]> links = new ArrayList<>();
        final byte[] buffer = new byte[64 << 10];
        long entries;
        long bytes;

        Extraction(String uri, Path archive, Path work, Limits limits) throws IOException {
            this.uri = uri;
            this.archive = archive;
            this.archiveName = archive.getFileName().toString();
            this.work = work;
            this.realWork = work.toRealPath();
            this.limits = limits;
            this.archiveSize = Files.size(archive);
            this.guard = PathGuard.forArchive(uri, work, Destination.RESERVED, archiveName);
            this.posix = work.getFileSystem().supportedFileAttributeViews().contains("posix");
        }

        void zip() throws IOException {
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
                        countEntry(e.getName());
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

        void tar(Kind kind) throws IOException {
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 64 << 10)) {
                TarArchiveInputStream tar;
                try {
                    tar = new TarArchiveInputStream(decompressor(kind, raw), "UTF-8");
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
                        countEntry(name);
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

        void countEntry(String name) throws UnsafePathException {
            if (++entries > limits.maxEntries()) {
                throw bomb("it has more than " + limits.maxEntries() + " entries (" + MAX_ENTRIES + ")");
            }
        }

        void directory(String name) throws IOException {
            String norm = normalise(name);
            if (norm.isEmpty() || !dirs.add(norm)) {
                return; // "./" or a repeated directory entry
            }
            Path dir = resolveFolder(name, norm);
            guard.prepareParent(dir);
            Files.createDirectories(dir);
            setMode(dir, 0755);
        }

        void file(String name, InputStream in, int mode) throws IOException {
            String norm = normalise(name);
            Path target = resolve(name, norm);
            guard.prepareParent(target);
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
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

        void checkBytes() throws UnsafePathException {
            if (bytes > limits.maxBytes()) {
                throw bomb("it expands to more than " + limits.maxBytes() + " bytes (" + MAX_BYTES + ")");
            }
            if (limits.maxRatio() > 0 && bytes > RATIO_FLOOR && bytes / limits.maxRatio() > archiveSize) {
                throw bomb("it expands to more than " + limits.maxRatio() + " times its size of " + archiveSize
                        + " bytes (" + MAX_RATIO + ")");
            }
        }

        String linkTarget(String name, InputStream in) throws IOException {
            byte[] b;
            try {
                b = in.readNBytes(MAX_LINK_TARGET + 1);
            } catch (IOException e) {
                throw corrupt(e);
            }
            if (b.length > MAX_LINK_TARGET) {
                throw refuse(name, "its link target is longer than " + MAX_LINK_TARGET + " bytes");
            }
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }

        void symlink(String name, String target) throws IOException {
            String norm = normalise(name);
            Path link = resolve(name, norm);
            if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
                throw refuse(name, "it is a link without a target");
            }
            if (target.startsWith("/") || target.startsWith("\\") || target.matches("^[A-Za-z]:.*")) {
                throw refuse(name, "it is a link to the absolute path '" + target + "'");
            }
            // lexical check first: the target, taken from the link's folder, must stay inside
            Deque<String> at = new ArrayDeque<>();
            String[] parts = norm.split("/");
            for (int i = 0; i < parts.length - 1; i++) {
                at.addLast(parts[i]);
            }
            for (String seg : target.split("/", -1)) {
                if (seg.isEmpty() || seg.equals(".")) {
                    continue;
                }
                if (seg.equals("..")) {
                    if (at.isEmpty()) {
                        throw refuse(name, "it is a link to '" + target + "', outside the destination");
                    }
                    at.removeLast();
                } else {
                    at.addLast(seg);
                }
            }
            if (!at.isEmpty() && guard.isReserved(at.getFirst())) {
                throw refuse(name, "it is a link to '" + target + "', the tool's own bookkeeping");
            }
            guard.prepareParent(link);
            links.add(new Path[] {link, work.getFileSystem().getPath(target.replace("/",
                    work.getFileSystem().getSeparator()))});
        }

        void hardLink(String name, String target) throws IOException {
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
                long size = Files.size(existing);
                bytes += size;
                checkBytes();
                Files.copy(existing, link);
            }
            regularFiles.put(norm, link);
        }

        /** Creates the symbolic links, after every file: no entry is ever written through one. */
        void createLinks() throws IOException {
            for (Path[] l : links) {
                try {
                    Files.createSymbolicLink(l[0], l[1]);
                } catch (UnsupportedOperationException e) {
                    throw refuse(relative(l[0]), "this file system cannot hold symbolic links");
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    throw refuse(relative(l[0]), "it is a link, and other entries of the archive are inside it");
                }
            }
            for (Path[] l : links) {
                Path resolved = realTarget(l[0].getParent().resolve(l[1]));
                if (!resolved.startsWith(realWork)) {
                    throw refuse(relative(l[0]), "it is a link to '" + l[1] + "', which resolves outside the destination");
                }
                if (!resolved.equals(realWork) && guard.isReserved(realWork.relativize(resolved).getName(0).toString())) {
                    throw refuse(relative(l[0]), "it is a link to '" + l[1] + "', the tool's own bookkeeping");
                }
            }
        }

        private String relative(Path p) {
            return work.relativize(p).toString().replace(work.getFileSystem().getSeparator(), "/");
        }

        /** Where {@code p} really leads: the real path of its deepest existing ancestor plus the rest. */
        private Path realTarget(Path p) throws IOException {
            Deque<Path> rest = new ArrayDeque<>();
            Path existing = p;
            while (existing != null && !Files.exists(existing)) {
                if (existing.getFileName() != null) {
                    rest.push(existing.getFileName());
                }
                existing = existing.getParent();
            }
            if (existing == null) {
                return p.normalize();
            }
            Path r = existing.toRealPath();
            while (!rest.isEmpty()) {
                r = r.resolve(rest.pop());
            }
            return r.normalize();
        }

        /** The file for an entry, or why it is refused. */
        private Path resolve(String name, String norm) throws UnsafePathException, ConfigurationException {
            refuseAbsolute(name);
            return guard.resolve(norm);
        }

        /** The directory for a folder entry, or why it is refused. */
        private Path resolveFolder(String name, String norm) throws UnsafePathException, ConfigurationException {
            refuseAbsolute(name);
            return guard.resolveFolder(norm);
        }

        private void refuseAbsolute(String name) throws UnsafePathException {
            if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
                throw refuse(name, "it has an absolute path");
            }
        }

        private void setMode(Path p, int mode) throws IOException {
            if (!posix) {
                return;
            }
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode == 0755 ? "rwxr-xr-x" : "rw-r--r--"));
        }

        private String normalise(String name) {
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
            return new UnsafePathException(uri, "refused archive " + archiveName + ": entry '" + entry + "': " + why
                    + "; nothing of the archive was published");
        }

        private UnsafePathException bomb(String why) {
            return new UnsafePathException(uri, "refused archive " + archiveName + ": " + why
                    + "; nothing of the archive was published");
        }

        private IntegrityException corrupt(IOException e) {
            if (e instanceof IntegrityException) {
                return (IntegrityException) e;
            }
            return new IntegrityException(uri, "archive " + archiveName + " is corrupt or truncated: " + e.getMessage(),
                    e);
        }
    }

    // ---------------------------------------------------------------- publishing

    /**
     * Moves every file and link of {@code work} to the same relative path under {@code destination}. Every target is
     * checked against what the destination already holds (a file where the archive has a folder, a link leading
     * out) before the first one moves, so a refused archive publishes nothing.
     */
    private static int publish(String uri, Path work, Path destination, String archiveName) throws IOException {
        PathGuard dest = PathGuard.forArchive(uri, destination, Destination.RESERVED, archiveName);
        String sep = work.getFileSystem().getSeparator();
        List<Path> all = new ArrayList<>();
        collect(work, all);
        List<Path> targets = new ArrayList<>(all.size());
        for (Path p : all) {
            String rel = work.relativize(p).toString().replace(sep, "/");
            boolean folder = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
            Path target = folder ? dest.resolveFolder(rel) : dest.resolve(rel);
            dest.checkPlacement(target, folder);
            targets.add(target);
        }
        int moved = 0;
        for (int i = 0; i < all.size(); i++) {
            Path p = all.get(i);
            Path target = targets.get(i);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                dest.prepareParent(target.resolve("x"));
                continue;
            }
            dest.prepareParent(target);
            try {
                Destination.moveIntoPlace(p, target);
            } catch (IOException e) {
                throw Destination.writeFailed(uri, "cannot move extracted " + dest.root().relativize(target)
                        + " into place", e);
            }
            moved++;
        }
        return moved;
    }

    private static void collect(Path dir, List<Path> out) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path c : children) {
                out.add(c);
                if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                    collect(c, out);
                }
            }
        }
    }
}
