package dev.storageinit.http;

import static dev.storageinit.http.HttpProviderTest.bytes;
import static dev.storageinit.http.HttpProviderTest.files;
import static dev.storageinit.http.HttpProviderTest.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.UnsafePathException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Archive extraction by the shared engine (storage-api's ArchiveExtractor), exercised end to end through the HTTP
 * provider: archives built here, served by a loopback HTTP server, downloaded and extracted.
 */
class ArchiveExtractionTest {
    private HttpFixture server;

    @TempDir
    Path temp;

    @BeforeEach
    void start() {
        server = new HttpFixture();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ------------------------------------------------------------------ building archives

    /** One archive entry: a file, a directory, a symlink, a hard link or a character device. */
    record E(String name, byte[] content, int mode, String link, char type) {
        static E file(String name, byte[] content) {
            return new E(name, content, 0644, null, 'f');
        }

        static E exec(String name, byte[] content) {
            return new E(name, content, 04755, null, 'f');
        }

        static E dir(String name) {
            return new E(name, null, 0755, null, 'd');
        }

        static E symlink(String name, String target) {
            return new E(name, null, 0777, target, 's');
        }

        static E hardlink(String name, String target) {
            return new E(name, null, 0644, target, 'h');
        }

        static E device(String name) {
            return new E(name, null, 0644, null, 'c');
        }
    }

    static byte[] zip(List<E> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            for (E e : entries) {
                ZipArchiveEntry z =
                        new ZipArchiveEntry(e.type() == 'd' && !e.name().endsWith("/") ? e.name() + "/" : e.name());
                byte[] data = e.content();
                if (e.type() == 's') {
                    z.setUnixMode(0120777);
                    data = e.link().getBytes(StandardCharsets.UTF_8);
                } else if (e.type() == 'd') {
                    z.setUnixMode(040755);
                } else {
                    z.setUnixMode(0100000 | e.mode());
                }
                zip.putArchiveEntry(z);
                if (data != null) {
                    zip.write(data);
                }
                zip.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static byte[] tar(List<E> entries, String compression) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream packed = compress(bytes, compression);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(packed)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (E e : entries) {
                TarArchiveEntry t;
                switch (e.type()) {
                    case 'd':
                        t = new TarArchiveEntry(e.name().endsWith("/") ? e.name() : e.name() + "/", true);
                        break;
                    case 's':
                        t = new TarArchiveEntry(e.name(), TarConstants.LF_SYMLINK, true);
                        t.setLinkName(e.link());
                        break;
                    case 'h':
                        t = new TarArchiveEntry(e.name(), TarConstants.LF_LINK, true);
                        t.setLinkName(e.link());
                        break;
                    case 'c':
                        t = new TarArchiveEntry(e.name(), TarConstants.LF_CHR, true);
                        break;
                    default:
                        t = new TarArchiveEntry(e.name(), true);
                        t.setSize(e.content().length);
                }
                t.setMode((t.getMode() & ~07777) | e.mode());
                tar.putArchiveEntry(t);
                if (e.type() == 'f') {
                    tar.write(e.content());
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static OutputStream compress(OutputStream out, String compression) throws IOException {
        switch (compression) {
            case "gz":
                return new GzipCompressorOutputStream(out);
            case "bz2":
                return new BZip2CompressorOutputStream(out);
            case "xz":
                return new XZCompressorOutputStream(out);
            default:
                return out;
        }
    }

    static byte[] archive(String name, List<E> entries) throws IOException {
        if (name.endsWith(".zip") || name.endsWith(".pt")) {
            return zip(entries);
        }
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
            return tar(entries, "gz");
        }
        if (name.endsWith(".tar.bz2")) {
            return tar(entries, "bz2");
        }
        if (name.endsWith(".tar.xz")) {
            return tar(entries, "xz");
        }
        return tar(entries, "");
    }

    static final byte[] WEIGHTS = bytes(300_000, 42);

    static List<E> model() {
        return List.of(
                E.file("config.json", "{\"layers\": 2}".getBytes(StandardCharsets.UTF_8)),
                E.dir("weights"),
                E.file("weights/part-1.bin", WEIGHTS),
                E.file("a/b/c/deep.txt", "deep".getBytes(StandardCharsets.UTF_8)),
                E.exec("bin/run.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8)));
    }

    // ------------------------------------------------------------------ downloading

    private DownloadResult download(String path, Path dest) throws StorageException {
        return download(path, dest, CredentialSource.none(), true);
    }

    private DownloadResult download(String path, Path dest, CredentialSource settings, boolean extract)
            throws StorageException {
        try (Storage s = Storage.builder().concurrency(4).build()) {
            return s.download(DownloadRequest.builder(server.url(path), dest)
                    .settings(settings)
                    .extractArchives(extract)
                    .build());
        }
    }

    private static void assertModel(Path dest) throws IOException {
        assertThat(files(dest)).containsExactly("a/b/c/deep.txt", "bin/run.sh", "config.json", "weights/part-1.bin");
        assertThat(Files.readAllBytes(dest.resolve("weights/part-1.bin"))).isEqualTo(WEIGHTS);
        assertThat(Files.readString(dest.resolve("a/b/c/deep.txt"))).isEqualTo("deep");
        assertThat(manifest(dest)).contains("\"complete\":true");
    }

    /** No file named {@code name} anywhere under the test's temporary directory. */
    private void assertNowhere(String name) throws IOException {
        try (Stream<Path> walk = Files.walk(temp)) {
            assertThat(walk.filter(p -> p.getFileName().toString().equals(name)))
                    .isEmpty();
        }
    }

    // ------------------------------------------------------------------ formats

    @ParameterizedTest
    @ValueSource(strings = {"model.zip", "model.tar", "model.tar.gz", "model.tgz", "model.tar.bz2", "model.tar.xz"})
    void eachFormatIsExtractedWithNestedFoldersAndTheArchiveRemoved(String name) throws Exception {
        server.put("/files/" + name, archive(name, model()));
        Path dest = temp.resolve("out");
        download("/files/" + name, dest);
        assertModel(dest);
        assertThat(dest.resolve(name)).doesNotExist();
        assertThat(Files.getPosixFilePermissions(dest.resolve("bin/run.sh")))
                .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x")); // setuid dropped, executable kept
        assertThat(Files.getPosixFilePermissions(dest.resolve("config.json")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(dev.storageinit.testkit.ModelDirectory.stagingLeft(dest)).isEmpty();
    }

    @Test
    void extractionCanBeTurnedOff() throws Exception {
        server.put("/files/model.tar.gz", archive("model.tar.gz", model()));
        Path dest = temp.resolve("off");
        download("/files/model.tar.gz", dest, CredentialSource.none(), false);
        assertThat(files(dest)).containsExactly("model.tar.gz");
    }

    @Test
    void aNameWithoutExtensionIsDecidedByContent() throws Exception {
        server.put("/download", archive("x.tar.gz", model()));
        Path dest = temp.resolve("noext");
        download("/download", dest);
        assertModel(dest);
        assertThat(dest.resolve("download")).doesNotExist();
    }

    @Test
    void zipBasedModelFormatsAreNotExtracted() throws Exception {
        byte[] torch = archive("model.pt", model()); // PyTorch's .pt (and .bin, .keras, .npz) are zip files
        server.put("/files/model.pt", torch);
        Path dest = temp.resolve("pt");
        download("/files/model.pt", dest);
        assertThat(files(dest)).containsExactly("model.pt");
        assertThat(Files.readAllBytes(dest.resolve("model.pt"))).isEqualTo(torch);
    }

    @Test
    void aCompressedFileThatIsNotATarIsKept() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GzipCompressorOutputStream(gz)) {
            out.write("just text, no tar".getBytes(StandardCharsets.UTF_8));
        }
        server.put("/blob", gz.toByteArray());
        Path dest = temp.resolve("blob");
        download("/blob", dest);
        assertThat(files(dest)).containsExactly("blob");
    }

    @Test
    void namedLikeAnArchiveButNotOneIsAnIntegrityError() throws Exception {
        server.put("/files/model.tar.gz", "<html>Please log in</html>".getBytes(StandardCharsets.UTF_8));
        Path dest = temp.resolve("html");
        assertThatThrownBy(() -> download("/files/model.tar.gz", dest))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("named like a gzip-compressed tar archive")
                .hasMessageContaining("<html>");
        assertThat(files(dest)).isEmpty();
        assertThat(manifest(dest)).contains("\"complete\":false");
    }

    @Test
    void linksInsideTheArchiveAreKept() throws Exception {
        List<E> entries = new ArrayList<>(model());
        entries.add(E.symlink("latest.bin", "weights/part-1.bin"));
        entries.add(E.symlink("weights/again.bin", "../weights/part-1.bin"));
        entries.add(E.hardlink("copy.bin", "weights/part-1.bin"));
        server.put("/files/links.tar", tar(entries, ""));
        Path dest = temp.resolve("links");
        download("/files/links.tar", dest);
        assertThat(Files.isSymbolicLink(dest.resolve("latest.bin"))).isTrue();
        assertThat(Files.readAllBytes(dest.resolve("latest.bin"))).isEqualTo(WEIGHTS);
        assertThat(Files.readAllBytes(dest.resolve("weights/again.bin"))).isEqualTo(WEIGHTS);
        assertThat(Files.readAllBytes(dest.resolve("copy.bin"))).isEqualTo(WEIGHTS);
        assertThat(manifest(dest)).contains("\"complete\":true");
    }

    @Test
    void aRerunDownloadsAndExtractsAgain() throws Exception {
        server.put("/files/model.zip", archive("model.zip", model()));
        Path dest = temp.resolve("rerun");
        download("/files/model.zip", dest);
        DownloadResult again = download("/files/model.zip", dest);
        assertThat(again.filesTransferred()).isEqualTo(1);
        assertModel(dest);
    }

    @Test
    void extractionWorksOnAnyFileSystem() throws Exception {
        server.put("/files/model.zip", archive("model.zip", model()));
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path dest = fs.getPath("/models/m");
            download("/files/model.zip", dest);
            assertModel(dest);
        }
    }

    // ------------------------------------------------------------------ refusals

    /** Downloads {@code archive} into temp/outer/dest, expects a refusal, and checks nothing was published. */
    private Path refused(String name, byte[] archive, CredentialSource settings, String... messageParts)
            throws Exception {
        server.put("/files/" + name, archive);
        Path dest = temp.resolve("outer").resolve("dest");
        var thrown = assertThatThrownBy(() -> download("/files/" + name, dest, settings, true))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageStartingWith(server.url("/files/" + name))
                .hasMessageContaining("nothing of the archive was published");
        for (String part : messageParts) {
            thrown.hasMessageContaining(part);
        }
        assertThat(files(dest)).as("nothing published").isEmpty();
        try (Stream<Path> beside = Files.list(temp.resolve("outer"))) {
            assertThat(beside).as("nothing outside dest").containsExactly(dest);
        }
        assertThat(manifest(dest)).contains("\"complete\":false");
        assertThat(dev.storageinit.testkit.ModelDirectory.stagingLeft(dest)).isEmpty();
        return dest;
    }

    @Test
    void zipSlipIsRefused() throws Exception {
        List<E> entries = new ArrayList<>(model());
        entries.add(E.file("../evil.txt", "evil".getBytes(StandardCharsets.UTF_8)));
        refused("slip.zip", zip(entries), CredentialSource.none(), "'../evil.txt'", "outside the destination");
        assertNowhere("evil.txt");
    }

    @Test
    void deepZipSlipInATarIsRefused() throws Exception {
        List<E> entries = new ArrayList<>(model());
        entries.add(E.file("a/../../../evil2.txt", "evil".getBytes(StandardCharsets.UTF_8)));
        refused("slip.tar.gz", tar(entries, "gz"), CredentialSource.none(), "evil2.txt");
        assertNowhere("evil2.txt");
    }

    @Test
    void anAbsolutePathIsRefused() throws Exception {
        refused(
                "abs.tar",
                tar(List.of(E.file("ok.txt", new byte[1]), E.file("/tmp/abs-evil.txt", new byte[1])), ""),
                CredentialSource.none(),
                "absolute path");
    }

    @Test
    void aSymlinkEscapingTheDestinationIsRefused() throws Exception {
        List<E> entries = new ArrayList<>(model());
        entries.add(E.symlink("escape", "../../outside.txt"));
        refused("escape.tar", tar(entries, ""), CredentialSource.none(), "'escape'", "outside the destination");
    }

    @Test
    void anAbsoluteSymlinkIsRefused() throws Exception {
        refused(
                "abslink.zip",
                zip(List.of(E.symlink("etc", "/etc"))),
                CredentialSource.none(),
                "link to the absolute path '/etc'");
    }

    @Test
    void aChainOfLinksThatEscapesIsRefused() throws Exception {
        // "here" -> "." is harmless, but "here/.." then leaves the destination: caught on the real file system
        List<E> entries = List.of(E.symlink("here", "."), E.symlink("sneaky", "here/../outside.txt"));
        refused("chain.tar", tar(entries, ""), CredentialSource.none(), "'sneaky'", "resolves outside");
    }

    @Test
    void writingThroughALinkIsRefused() throws Exception {
        List<E> entries = List.of(E.symlink("dir", "/tmp"), E.file("dir/planted.txt", new byte[1]));
        refused("through.tar", tar(entries, ""), CredentialSource.none(), "absolute path");
        assertNowhere("planted.txt");
        List<E> relative = List.of(E.dir("sub"), E.symlink("dir", "sub"), E.file("dir/planted2.txt", new byte[1]));
        refused("through2.tar", tar(relative, ""), CredentialSource.none(), "'dir'", "nothing can be written below it");
    }

    @Test
    void aDeviceFileIsRefused() throws Exception {
        refused(
                "dev.tar",
                tar(List.of(E.file("ok.txt", new byte[1]), E.device("null")), ""),
                CredentialSource.none(),
                "device file");
    }

    @Test
    void aZipBombIsRefusedByTheRatioCheck() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            zip.putArchiveEntry(new ZipArchiveEntry("zeros.bin"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 100; i++) {
                zip.write(zeros);
            }
            zip.closeArchiveEntry();
        }
        assertThat(bytes.size()).isLessThan(1 << 20);
        refused("bomb.zip", bytes.toByteArray(), CredentialSource.none(), "STORAGE_EXTRACT_MAX_RATIO");
    }

    @Test
    void theByteCapIsEnforced() throws Exception {
        refused(
                "big.tar.gz",
                tar(model(), "gz"),
                CredentialSource.of(Map.of("STORAGE_EXTRACT_MAX_BYTES", "100000")),
                "more than 100000 bytes (STORAGE_EXTRACT_MAX_BYTES)");
    }

    @Test
    void theEntryCapIsEnforced() throws Exception {
        List<E> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(E.file("f" + i + ".txt", new byte[] {(byte) i}));
        }
        refused(
                "many.zip",
                zip(many),
                CredentialSource.of(Map.of("STORAGE_EXTRACT_MAX_ENTRIES", "10")),
                "more than 10 entries (STORAGE_EXTRACT_MAX_ENTRIES)");
    }

    @Test
    void aRefusedArchiveDoesNotRemoveWhatAnEarlierRunPublished() throws Exception {
        server.put("/files/model.zip", archive("model.zip", model()));
        Path dest = temp.resolve("outer").resolve("dest");
        download("/files/model.zip", dest);
        List<E> entries = new ArrayList<>(model());
        entries.add(E.file("../evil.txt", new byte[1]));
        server.put("/files/model.zip", zip(entries));
        assertThatThrownBy(() -> download("/files/model.zip", dest)).isInstanceOf(UnsafePathException.class);
        assertThat(manifest(dest)).contains("\"complete\":false");
        assertThat(Files.exists(dest.resolve("model.zip"), LinkOption.NOFOLLOW_LINKS))
                .isFalse();
        assertNowhere("evil.txt");
    }

    @Test
    void anEntryBelowAFileTheDestinationHoldsPublishesNothingOfTheArchive() throws Exception {
        Path dest = Files.createDirectories(temp.resolve("held"));
        Files.writeString(dest.resolve("b"), "an earlier file");
        List<E> entries = List.of(
                E.file("a.txt", new byte[] {1}), E.file("b/c.txt", new byte[] {2}), E.file("z.txt", new byte[] {3}));
        for (String name : List.of("conflict.tar", "conflict.zip")) {
            server.put("/files/" + name, archive(name, entries));
            assertThatThrownBy(() -> download("/files/" + name, dest))
                    .isInstanceOf(UnsafePathException.class)
                    .hasMessageContaining("'b' exists in the destination as a file");
            assertThat(files(dest)).as("nothing of %s was published", name).containsExactly("b");
            assertThat(Files.readString(dest.resolve("b"))).isEqualTo("an earlier file");
        }
    }

    @Test
    void aFileAndAFolderOnOnePathInOneArchiveAreAnUnsafePath() throws Exception {
        refused(
                "twice.tar",
                tar(List.of(E.file("a", new byte[1]), E.file("a/b", new byte[1])), ""),
                CredentialSource.none(),
                "'a/b'",
                "a file and a folder on one path");
    }

    @Test
    void aLinkToTheToolsBookkeepingIsRefused() throws Exception {
        refused(
                "state.tar",
                tar(List.of(E.symlink("st", ".storage-initializer"), E.file("ok.txt", new byte[1])), ""),
                CredentialSource.none(),
                "'st'",
                "bookkeeping");
        refused(
                "state2.tar",
                tar(List.of(E.symlink("st", "x/../.storage-initializer/staging-1")), ""),
                CredentialSource.none(),
                "'st'",
                "bookkeeping");
    }
}
