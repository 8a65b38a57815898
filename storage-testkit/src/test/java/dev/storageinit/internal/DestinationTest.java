package dev.storageinit.internal;

import static dev.storageinit.internal.TransferEngineTest.bytes;
import static dev.storageinit.internal.TransferEngineTest.manifestOf;
import static dev.storageinit.internal.TransferEngineTest.stagingLeft;
import static dev.storageinit.internal.TransferEngineTest.storage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.storageinit.CredentialSource;
import dev.storageinit.DestinationException;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.UnsafePathException;
import dev.storageinit.testkit.memory.MemoryProvider;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a download leaves in, and refuses to do to, its destination directory. */
class DestinationTest {
    @TempDir
    Path temp;

    private final MemoryProvider store = new MemoryProvider();

    private DownloadResult download(DownloadRequest.Builder request) throws StorageException {
        try (Storage s = storage(store).build()) {
            return s.download(request.build());
        }
    }

    private DownloadRequest.Builder request(String uri, Path dest, Map<String, String> settings) throws Exception {
        return DownloadRequest.builder(uri, dest).settings(CredentialSource.of(settings));
    }

    private static List<String> topLevel(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theDestinationHoldsTheModelAndOneHiddenBookkeepingDirectory() throws Exception {
        store.put("m/model.json", bytes(100, 1));
        Path dest = temp.resolve("d");
        download(request("mem://b/m", dest, Map.of()));
        assertThat(topLevel(dest)).containsExactly(".storage-initializer", "model.json");
        assertThat(Files.isDirectory(dest.resolve(".storage-initializer"))).isTrue();
        assertThat(manifestOf(dest)).contains("\"complete\":true").contains("model.json");
        assertThat(stagingLeft(dest)).isEmpty();
    }

    @Test
    void theManifestCanBeMovedOrTurnedOffAndThenNothingButTheModelRemains() throws Exception {
        store.put("m/model.json", bytes(100, 1));
        Path elsewhere = temp.resolve("state/m.manifest");
        Path moved = temp.resolve("moved");
        download(request("mem://b/m", moved, Map.of("STORAGE_MANIFEST", elsewhere.toString())));
        assertThat(topLevel(moved)).containsExactly("model.json");
        assertThat(Files.readString(elsewhere)).contains("\"complete\":true");
        DownloadResult again = download(request("mem://b/m", moved, Map.of("STORAGE_MANIFEST", elsewhere.toString())));
        assertThat(again.filesSkipped())
                .as("the moved manifest still lets a re-run skip")
                .isEqualTo(1);

        Path off = temp.resolve("off");
        download(request("mem://b/m", off, Map.of("STORAGE_MANIFEST", "none")));
        assertThat(topLevel(off)).containsExactly("model.json");
        Path offByRequest = temp.resolve("off2");
        download(request("mem://b/m", offByRequest, Map.of()).noManifest());
        assertThat(topLevel(offByRequest)).containsExactly("model.json");
    }

    @Test
    void anEarlierVersionsManifestInTheDestinationIsReadThenRemoved() throws Exception {
        byte[] content = bytes(100, 1);
        store.put("m/model.json", content);
        Path dest = temp.resolve("d");
        download(request("mem://b/m", dest, Map.of()));
        Path state = dest.resolve(".storage-initializer");
        Files.move(state.resolve("manifest.json"), dest.resolve(".storage-initializer.json"));
        Files.createDirectories(dest.resolve(".storage-initializer.staging"));
        DownloadResult r = download(request("mem://b/m", dest, Map.of()));
        assertThat(r.filesSkipped()).isEqualTo(1);
        assertThat(topLevel(dest)).containsExactly(".storage-initializer", "model.json");
    }

    @Test
    void aFileAndAFolderOnOnePathAreRefusedBeforeAnythingIsFetched() throws Exception {
        store.put("m/a", bytes(10, 1));
        store.put("m/a/b", bytes(10, 2));
        Path dest = temp.resolve("d");
        assertThatThrownBy(() -> download(request("mem://b/m", dest, Map.of())))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("a file and a folder on one path");
    }

    @Test
    void anExistingFileWhereTheDownloadNeedsAFolderIsAnUnsafePathNotARawError() throws Exception {
        store.put("m/b/c.txt", bytes(10, 1));
        Path dest = Files.createDirectories(temp.resolve("d"));
        Files.writeString(dest.resolve("b"), "old");
        assertThatThrownBy(() -> download(request("mem://b/m", dest, Map.of())))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("'b' exists in the destination as a file");
    }

    @Test
    void aLinkIntoTheBookkeepingDirectoryIsRefused() throws Exception {
        store.put("m/st/x.bin", bytes(10, 1));
        Path dest = Files.createDirectories(temp.resolve("d"));
        Files.createDirectories(dest.resolve(".storage-initializer"));
        Files.createSymbolicLink(dest.resolve("st"), dest.resolve(".storage-initializer"));
        assertThatThrownBy(() -> download(request("mem://b/m", dest, Map.of())))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("bookkeeping");
        assertThat(manifestOf(dest)).doesNotContain("x.bin");
    }

    @Test
    void linksPlantedAtTheBookkeepingNamesAreNeverFollowed() throws Exception {
        store.put("m/model.json", bytes(100, 1));
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Path victim = Files.writeString(outside.resolve("victim"), "keep");

        Path dest = Files.createDirectories(temp.resolve("d"));
        Files.createDirectories(dest.resolve(".storage-initializer"));
        Files.createSymbolicLink(dest.resolve(".storage-initializer/manifest.json"), victim);
        download(request("mem://b/m", dest, Map.of()));
        assertThat(Files.readString(victim)).isEqualTo("keep");
        assertThat(Files.isSymbolicLink(dest.resolve(".storage-initializer/manifest.json")))
                .isFalse();

        Path linked = Files.createDirectories(temp.resolve("e"));
        Files.createSymbolicLink(linked.resolve(".storage-initializer"), outside);
        assertThatThrownBy(() -> download(request("mem://b/m", linked, Map.of())))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("not the tool's directory");
        assertThat(topLevel(outside)).containsExactly("victim");
    }

    @Test
    void twoDownloadsIntoOneDestinationTakeTurnsAndNeitherMixesTheOther() throws Exception {
        MemoryProvider other = new MemoryProvider("mem2");
        byte[] one = bytes(600_000, 1);
        byte[] two = bytes(600_000, 2);
        for (int i = 0; i < 8; i++) {
            store.put("m/f" + i + ".bin", one);
            other.put("m/f" + i + ".bin", two);
        }
        store.slowReads(2);
        other.slowReads(2);
        Path dest = temp.resolve("d");
        try (Storage s = storage(store, other).concurrency(8).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<DownloadResult>> runs = new ArrayList<>();
                for (String uri : List.of("mem://b/m", "mem2://b/m")) {
                    runs.add(pool.submit(() -> s.download(DownloadRequest.builder(uri, dest)
                            .settings(CredentialSource.none())
                            .build())));
                }
                for (Future<DownloadResult> f : runs) {
                    assertThat(f.get().files()).isEqualTo(8);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        byte[] first = Files.readAllBytes(dest.resolve("f0.bin"));
        assertThat(first).satisfiesAnyOf(b -> assertThat(b).isEqualTo(one), b -> assertThat(b)
                .isEqualTo(two));
        for (int i = 0; i < 8; i++) {
            assertThat(Files.readAllBytes(dest.resolve("f" + i + ".bin")))
                    .as("f%d is one source's, whole", i)
                    .isEqualTo(first);
        }
        assertThat(manifestOf(dest)).contains("\"complete\":true");
        assertThat(stagingLeft(dest)).isEmpty();
    }

    @Test
    void anotherProcessHoldingTheDestinationMakesTheDownloadWaitThenFailWithOneLine() throws Exception {
        store.put("m/model.json", bytes(100, 1));
        Path dest = temp.resolve("d");
        Path lockFile =
                Files.createDirectories(dest.resolve(".storage-initializer")).resolve("lock");
        // a lock held through another channel stands for another process: it is invisible to the JVM-wide set
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = ch.lock();
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    held.release();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            DownloadResult waited = download(request("mem://b/m", dest, Map.of("STORAGE_LOCK_TIMEOUT", "30")));
            assertThat(waited.files()).isEqualTo(1);
            t.join();

            ch.lock();
            assertThatThrownBy(() ->
                            download(request("mem://b/m", temp.resolve("d"), Map.of("STORAGE_LOCK_TIMEOUT", "0"))))
                    .isInstanceOf(DestinationException.class)
                    .hasMessageContaining("is in use by another download")
                    .hasMessageContaining("STORAGE_LOCK_TIMEOUT");
        }
    }

    @Test
    void aFullDiskFailsAtOnceNamingThePathInsteadOfRetryingTheStore() throws Exception {
        store.put("m/big.bin", bytes(3 << 20, 1));
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setMaxSize(1 << 20)
                .setBlockSize(8192)
                .build())) {
            Path dest = fs.getPath("/models");
            assertThatThrownBy(() -> download(request("mem://b/m", dest, Map.of())))
                    .isInstanceOf(DestinationException.class)
                    .hasMessageContaining("big.bin")
                    .hasMessageContaining("disk is full");
            assertThat(store.reads())
                    .as("no read is repeated for a failed write")
                    .isLessThanOrEqualTo(3 << 4);
            assertThat(Files.exists(dest.resolve("big.bin"))).isFalse();
        }
    }
}
