package dev.storageinit.internal;

import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.UnsafePathException;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Settings;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Extracts a single downloaded archive into the destination, for every provider; {@link ArchiveFormat} says what is
 * taken for an archive.
 *
 * <p>Safety: every entry goes through {@link PathGuard} (no {@code ..}, no absolute paths, no reserved names, no
 * two entries on one file); symbolic links are created last and refused when they are absolute or resolve outside
 * the destination ({@link ArchiveLinks}); hard links must name an earlier regular entry; device files, FIFOs and
 * sockets are refused; setuid/setgid/sticky bits are dropped (files become 0644, or 0755 when the entry had the
 * owner's execute bit; directories 0755). Zip-bomb guards: at most {@code STORAGE_EXTRACT_MAX_BYTES} extracted bytes
 * (default 64 GiB), at most {@code STORAGE_EXTRACT_MAX_ENTRIES} entries (default 1,000,000), and, once more than
 * 64 MiB are extracted, at most {@code STORAGE_EXTRACT_MAX_RATIO} (default 200, 0 turns it off) times the archive's
 * size. The archive is extracted into a directory under the staging directory ({@link ArchiveExtraction}) and moved
 * into place only when every entry was accepted, so a refused archive publishes nothing; the archive itself is
 * removed in every case.
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

    private static final AtomicLong WORK_DIRS = new AtomicLong();

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
            return new Limits(
                    settings.nonNegativeLong(MAX_BYTES, DEFAULT_MAX_BYTES),
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
    public static boolean extractIfArchive(String uri, Path archive, Path destination, Path workDir, Limits limits)
            throws IOException {
        ArchiveFormat format;
        try {
            format = ArchiveFormat.detect(uri, archive.getFileName().toString(), archive);
        } catch (IOException e) {
            Files.deleteIfExists(archive); // not what its name promises: publish nothing that looks complete
            throw e;
        }
        if (format == null) {
            return false;
        }
        extract(uri, archive, format, destination, workDir, limits);
        return true;
    }

    /**
     * Extracts {@code archive}, of {@code format}, into {@code destination} and removes it; see the class comment for
     * what is refused.
     */
    static void extract(String uri, Path archive, ArchiveFormat format, Path destination, Path workDir, Limits limits)
            throws IOException {
        Path work = workDir.resolve("extract-" + WORK_DIRS.incrementAndGet());
        boolean published = false;
        try {
            Destination.deleteTree(work);
            Files.createDirectories(work);
            ArchiveExtraction extraction = new ArchiveExtraction(uri, archive, work, limits);
            extraction.run(format);
            Files.deleteIfExists(archive); // before publishing: an entry may carry the archive's own name
            int moved = publish(uri, work, destination, archive.getFileName().toString());
            published = true;
            LOG.log(
                    Level.INFO,
                    "{0}: extracted {1} archive {2}: {3} entries, {4} bytes, {5} files and links",
                    uri,
                    format,
                    archive.getFileName(),
                    extraction.entries(),
                    extraction.bytes(),
                    moved);
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
                throw Destination.writeFailed(
                        uri, "cannot move extracted " + dest.root().relativize(target) + " into place", e);
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
