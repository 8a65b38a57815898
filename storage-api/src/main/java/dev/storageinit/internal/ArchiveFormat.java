package dev.storageinit.internal;

import dev.storageinit.IntegrityException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The archive formats, as decoded from the content. A file is taken for an archive by its name ({@code .zip},
 * {@code .tar}, {@code .tar.gz}/{@code .tgz}, {@code .tar.bz2}/{@code .tbz2}, {@code .tar.xz}/{@code .txz}) and then
 * decoded by its magic bytes, never by the machine's mime tables; a name without any extension is recognised by
 * content alone. Any other extension is never extracted: many model formats are zip files themselves ({@code .pt},
 * {@code .pth}, PyTorch's {@code .bin}, {@code .keras}, {@code .npz}, {@code .mar}).
 */
enum ArchiveFormat {
    ZIP("zip"),
    TAR("tar"),
    TAR_GZ("gzip-compressed tar"),
    TAR_BZ2("bzip2-compressed tar"),
    TAR_XZ("xz-compressed tar");

    private static final int XZ_MEMORY_LIMIT_KIB = 128 << 10;

    private final String label;

    ArchiveFormat(String label) {
        this.label = label;
    }

    /** The format of {@code file}, named {@code name}, or null when it is not to be extracted. */
    static ArchiveFormat detect(String uri, String name, Path file) throws IOException {
        String lower = name.toLowerCase(Locale.ROOT);
        ArchiveFormat byName = byName(lower);
        boolean hasExtension = lower.lastIndexOf('.') > 0;
        if (byName == null && hasExtension) {
            return null;
        }
        byte[] head = head(file, 512);
        ArchiveFormat sniffed = sniff(head);
        if (byName != null) {
            if (sniffed == null && byName == TAR && Files.size(file) % 512 == 0 && Files.size(file) > 0) {
                return TAR; // an old (v7) tar has no magic
            }
            if (sniffed == null) {
                throw new IntegrityException(
                        uri,
                        "'" + name + "' is named like a " + byName.label
                                + " archive but its content is not one (it starts with " + printable(head) + ")");
            }
            return sniffed;
        }
        if (sniffed == null || sniffed == ZIP || sniffed == TAR) {
            return sniffed;
        }
        // an extension-less compressed file is extracted only when a tar is inside
        try (InputStream in = sniffed.decompress(new BufferedInputStream(Files.newInputStream(file)))) {
            byte[] inner = in.readNBytes(512);
            return TarArchiveInputStream.matches(inner, inner.length) ? sniffed : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The tar stream inside {@code in}: decompressed, or {@code in} itself for a plain tar (or zip). */
    InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case TAR_GZ ->
                GzipCompressorInputStream.builder()
                        .setInputStream(in)
                        .setDecompressConcatenated(true)
                        .get();
            case TAR_BZ2 -> new BZip2CompressorInputStream(in, true);
            // a hostile header could ask for gigabytes of dictionary: xz -9 needs 64 MiB
            case TAR_XZ ->
                XZCompressorInputStream.builder()
                        .setInputStream(in)
                        .setDecompressConcatenated(true)
                        .setMemoryLimitKiB(XZ_MEMORY_LIMIT_KIB)
                        .get();
            case ZIP, TAR -> in;
        };
    }

    private static ArchiveFormat byName(String lower) {
        if (lower.endsWith(".zip")) {
            return ZIP;
        }
        if (lower.endsWith(".tar")) {
            return TAR;
        }
        if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) {
            return TAR_GZ;
        }
        if (lower.endsWith(".tar.bz2") || lower.endsWith(".tbz2") || lower.endsWith(".tbz")) {
            return TAR_BZ2;
        }
        if (lower.endsWith(".tar.xz") || lower.endsWith(".txz")) {
            return TAR_XZ;
        }
        return null;
    }

    private static ArchiveFormat sniff(byte[] h) {
        if (h.length >= 4
                && h[0] == 'P'
                && h[1] == 'K'
                && ((h[2] == 3 && h[3] == 4) || (h[2] == 5 && h[3] == 6) || (h[2] == 7 && h[3] == 8))) {
            return ZIP;
        }
        if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return TAR_GZ;
        }
        if (h.length >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') {
            return TAR_BZ2;
        }
        if (h.length >= 6
                && (h[0] & 0xff) == 0xfd
                && h[1] == '7'
                && h[2] == 'z'
                && h[3] == 'X'
                && h[4] == 'Z'
                && h[5] == 0) {
            return TAR_XZ;
        }
        if (h.length >= 512 && TarArchiveInputStream.matches(h, h.length)) {
            return TAR;
        }
        return null;
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
}
