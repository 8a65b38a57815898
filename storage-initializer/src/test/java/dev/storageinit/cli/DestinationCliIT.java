package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.testkit.ModelDirectory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The destination as a KServe or Seldon user meets it through the jar: what is left in it, two downloads on one
 * destination, links, collisions and a full disk, each with its exit code.
 */
class DestinationCliIT {
    @TempDir
    Path temp;

    private Jar jar(Map<String, String> env) {
        return Jar.in(temp).withEnv(env).waitingAtMost(Duration.ofSeconds(120));
    }

    private Jar.Run java(Map<String, String> env, String... args) throws Exception {
        return jar(env).run(args);
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Path volume(String name, int files, int size, long seed) throws IOException {
        Path dir = Files.createDirectories(temp.resolve(name));
        for (int i = 0; i < files; i++) {
            Files.write(dir.resolve("shard-" + i + ".bin"), bytes(size, seed + i));
        }
        return dir;
    }

    private static List<String> topLevel(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSingleFileXgboostModelLoadsForEveryKserveServerAfterTheDownload() throws Exception {
        Path model = Files.createDirectories(temp.resolve("xgb"));
        Files.writeString(model.resolve("model.json"), "{\"learner\": {}}");
        Path dest = temp.resolve("mnt/models");
        Jar.Run r = java(Map.of(), model.toString(), dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(ModelDirectory.modelFilesFor("xgbserver", dest)).containsExactly("model.json");
        assertThat(ModelDirectory.modelFilesFor("lgbserver", dest)).isEmpty();
        assertThat(topLevel(dest)).containsExactly(".storage-initializer", "model.json");
        assertThat(ModelDirectory.manifestOf(dest)).contains("\"complete\":true");

        Path bare = temp.resolve("bare");
        Jar.Run off = java(Map.of("STORAGE_MANIFEST", "none"), model.toString(), bare.toString());
        assertThat(off.code()).as(off.err()).isZero();
        assertThat(topLevel(bare)).containsExactly("model.json");
    }

    @Test
    void twoPairsIntoOneDestinationTakeTurnsAndNoFileMixesTheTwo() throws Exception {
        Path one = volume("one", 6, 3 << 20, 1);
        Path two = volume("two", 6, 3 << 20, 100);
        Path dest = temp.resolve("dest");
        Jar.Run r =
                java(Map.of(), "--part-size", "1", one.toString(), dest.toString(), two.toString(), dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Path winner = Files.mismatch(dest.resolve("shard-0.bin"), one.resolve("shard-0.bin")) == -1 ? one : two;
        for (int i = 0; i < 6; i++) {
            assertThat(Files.mismatch(dest.resolve("shard-" + i + ".bin"), winner.resolve("shard-" + i + ".bin")))
                    .as("shard-%d is whole, from one source", i)
                    .isEqualTo(-1L);
        }
        assertThat(ModelDirectory.manifestOf(dest)).contains("\"complete\":true");
        assertThat(ModelDirectory.stagingLeft(dest)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "none"})
    void twoProcessesOnOneDestinationBothSucceedOneAfterTheOther(String manifest) throws Exception {
        Path source = volume("src", 8, 4 << 20, 7);
        Path dest = temp.resolve("dest");
        Map<String, String> env = Map.of("STORAGE_MANIFEST", manifest);
        Jar.Started a = jar(env).start(source.toString(), dest.toString());
        Jar.Started b = jar(env).start(source.toString(), dest.toString());
        Jar.Run ra = a.finish();
        Jar.Run rb = b.finish();
        assertThat(ra.code()).as(ra.err()).isZero();
        assertThat(rb.code()).as(rb.err()).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(Files.mismatch(dest.resolve("shard-" + i + ".bin"), source.resolve("shard-" + i + ".bin")))
                    .isEqualTo(-1L);
        }
        assertThat(ModelDirectory.stagingLeft(dest)).isEmpty();
    }

    @Test
    void aDestinationHeldByAnotherProcessIsExitEightWithOneLine() throws Exception {
        Path source = volume("src", 1, 10, 7);
        Path dest = temp.resolve("dest");
        Path lock = Files.createDirectories(ModelDirectory.bookkeeping(dest)).resolve("lock");
        try (FileChannel held = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            held.lock();
            Jar.Run r = java(Map.of("STORAGE_LOCK_TIMEOUT", "1"), "--quiet", source.toString(), dest.toString());
            assertThat(r.code()).isEqualTo(8);
            assertThat(r.err().lines()).hasSize(1);
            assertThat(r.err()).contains("is in use by another download").contains("STORAGE_LOCK_TIMEOUT");
        }
        assertThat(dest.resolve("shard-0.bin")).doesNotExist();
    }

    @Test
    void aLinkIntoTheBookkeepingIsExitSevenAndNothingLandsThere() throws Exception {
        Path source = Files.createDirectories(temp.resolve("src/st"));
        Files.writeString(source.resolve("x.bin"), "x");
        Path dest = Files.createDirectories(temp.resolve("dest"));
        Files.createDirectories(ModelDirectory.bookkeeping(dest));
        Files.createSymbolicLink(dest.resolve("st"), dest.resolve(".storage-initializer"));
        Jar.Run r = java(Map.of(), "--quiet", temp.resolve("src").toString(), dest.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(7);
        assertThat(r.err()).contains("bookkeeping");
        assertThat(ModelDirectory.bookkeeping(dest).resolve("x.bin")).doesNotExist();
    }

    @Test
    void aFileAndAFolderOnOnePathInAnArchiveIsExitSeven() throws Exception {
        Path tar = temp.resolve("model.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            for (String name : List.of("a", "a/b")) {
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(1);
                out.putArchiveEntry(e);
                out.write('x');
                out.closeArchiveEntry();
            }
        }
        Path dest = temp.resolve("dest");
        Jar.Run r = java(Map.of(), "--quiet", tar.toString(), dest.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(7);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("a file and a folder on one path");
        assertThat(topLevel(dest)).containsExactly(".storage-initializer");
    }

    /**
     * A real full disk: a 1 MiB tmpfs mounted in a private mount namespace ({@code unshare}, from util-linux; as
     * root, or as a user where user namespaces are enabled).
     */
    @Test
    void aFullDiskIsExitEightAtOnceNamingThePath() throws Exception {
        Path source = volume("src", 1, 4 << 20, 3);
        Path disk = Files.createDirectories(temp.resolve("disk"));
        List<String> prefix = List.of(
                "unshare",
                "--mount",
                "--map-root-user",
                "sh",
                "-c",
                "mount -t tmpfs -o size=1m tmpfs \"$0\" && exec \"$@\"",
                disk.toString());
        Jar.Run r = jar(Map.of())
                .through(prefix)
                .run("--quiet", source.toString(), disk.resolve("models").toString());
        assertThat(r.err())
                .as("mounting a 1 MiB tmpfs needs unshare (util-linux) with user or root privileges")
                .doesNotContain("unshare:")
                .doesNotContain("mount:");
        assertThat(r.code()).as(r.err()).isEqualTo(8);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("disk is full").contains("shard-0.bin").doesNotContain("attempts");
    }

    @Test
    void hardlinkModeLandsASourceSymlinkAsTheFileCopyModeWouldWrite() throws Exception {
        Path volume = Files.createDirectories(temp.resolve("volume/model"));
        Path outside = Files.writeString(temp.resolve("outside.bin"), "weights");
        Files.createSymbolicLink(volume.resolve("w.bin"), outside);
        for (String mode : List.of("copy", "hardlink")) {
            Path dest = temp.resolve("dest-" + mode);
            Jar.Run r = java(Map.of(), "--link=" + mode, volume.toString(), dest.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(Files.isSymbolicLink(dest.resolve("w.bin"))).as(mode).isFalse();
            assertThat(Files.readString(dest.resolve("w.bin"))).isEqualTo("weights");
        }
    }
}
