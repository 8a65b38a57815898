package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.UnsafePathException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.TransferLimits;
import dev.storageinit.spi.support.Settings;
import dev.storageinit.testkit.memory.MemoryProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferEngineTest {
    @TempDir
    Path temp;

    private final MemoryProvider store = new MemoryProvider();

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Storage.Builder storage() {
        return storage(store);
    }

    /** The engine as these tests run it: small ranges so that small objects are ranged, quick retries. */
    static Storage.Builder storage(MemoryProvider... stores) {
        return Storage.builder()
                .providers(List.of(stores))
                .concurrency(4)
                .partSize(64 << 10)
                .multipartThreshold(64 << 10)
                .retryBackoff(Duration.ofMillis(1));
    }

    private DownloadResult download(Storage.Builder b, String uri, Path dest) throws StorageException {
        try (Storage s = b.build()) {
            return s.download(DownloadRequest.builder(uri, dest)
                    .settings(CredentialSource.none())
                    .build());
        }
    }

    static String manifestOf(Path dest) throws java.io.IOException {
        return Files.readString(dest.resolve(Storage.BOOKKEEPING_DIRECTORY).resolve(Manifest.FILE_NAME));
    }

    static List<Path> stagingLeft(Path dest) throws java.io.IOException {
        Path state = dest.resolve(Storage.BOOKKEEPING_DIRECTORY);
        if (!Files.isDirectory(state)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = Files.list(state)) {
            return s.filter(p -> p.getFileName().toString().startsWith("staging-"))
                    .toList();
        }
    }

    private static Checksum md5(byte[] b) throws Exception {
        return Checksum.ofHex(
                Checksum.Algorithm.MD5,
                java.util.HexFormat.of()
                        .formatHex(MessageDigest.getInstance("MD5").digest(b)));
    }

    @Test
    void cutConnectionsAreResumedFromWhereTheyStopped() throws Exception {
        byte[] big = bytes(1 << 20, 1);
        store.put("m/big.bin", big);
        store.faults().cutAfter(10_000, 6);
        Path dest = temp.resolve("d");
        DownloadResult r = download(storage(), "mem://b/m", dest);
        assertThat(Files.readAllBytes(dest.resolve("big.bin"))).isEqualTo(big);
        assertThat(r.bytesTransferred()).isEqualTo(big.length);
        assertThat(store.reads()).isEqualTo(16 + 6);
    }

    @Test
    void theSourcesLimitsBoundFilesAndRangesInFlight() throws Exception {
        for (int i = 0; i < 6; i++) {
            store.put("m/f" + i + ".bin", bytes(256 << 10, 10 + i)); // 4 ranges each
        }
        store.slowReads(20);
        // 16 slots hold the ranges of 4 files at once; with 8, 2 files fill them and a third only overlaps when
        // one file's last range ends before the other's (a race a loaded machine can lose)
        download(storage().concurrency(16), "mem://b/m", temp.resolve("free"));
        assertThat(store.overlap().objects()).as("unbounded: files at once").isGreaterThan(2);
        assertThat(store.overlap().readsOfOneObject())
                .as("unbounded: ranges of one file")
                .isEqualTo(4);

        store.resetOverlap();
        store.limits(new TransferLimits(2, 3));
        for (int i = 0; i < 6; i++) {
            store.checksums("m/f" + i + ".bin", md5(store.get("m/f" + i + ".bin")));
        }
        store.faults().corruptNextReads(1, false); // the file is fetched again, in the slot it holds
        Path dest = temp.resolve("bounded");
        DownloadResult r = download(storage().concurrency(8), "mem://b/m", dest);
        assertThat(r.filesTransferred()).isEqualTo(6);
        for (int i = 0; i < 6; i++) {
            assertThat(Files.readAllBytes(dest.resolve("f" + i + ".bin"))).isEqualTo(store.get("m/f" + i + ".bin"));
        }
        assertThat(store.overlap().objects()).as("files at once").isEqualTo(2);
        assertThat(store.overlap().readsOfOneObject())
                .as("ranges of one file at once")
                .isEqualTo(3);
        assertThat(store.overlap().reads()).isLessThanOrEqualTo(6);
    }

    @Test
    void withStorageVerifyMd5AlwaysEveryChecksumIsVerifiedForWholeAndRangedObjects() throws Exception {
        store.put("big/x.bin", bytes(300_000, 20)); // ranged: the staged file is read once for both digests
        store.put("small/x.bin", bytes(1000, 21)); // whole: both digests computed while it streams in
        for (String folder : List.of("big", "small")) {
            String key = folder + "/x.bin";
            byte[] content = store.get(key);
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(content);
            Checksum crc32c = Checksum.ofHex(Checksum.Algorithm.CRC32C, String.format("%08x", crc.getValue()));
            store.checksums(key, crc32c, md5(content));
            assertThat(downloadWith("mem://b/" + folder, Map.of("STORAGE_VERIFY_MD5", "always"), "ok-" + folder)
                            .filesTransferred())
                    .isEqualTo(1);

            store.checksums(key, crc32c, Checksum.ofHex(Checksum.Algorithm.MD5, "0".repeat(32)));
            Path dest = temp.resolve("bad-" + folder);
            assertThatThrownBy(() ->
                            downloadWith("mem://b/" + folder, Map.of("STORAGE_VERIFY_MD5", "always"), "bad-" + folder))
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("x.bin: MD5 mismatch: store says " + "0".repeat(32));
            assertThat(dest.resolve("x.bin")).doesNotExist();
        }
    }

    @Test
    void aCrc64NvmeMismatchIsAnIntegrityErrorAndAMatchPublishes() throws Exception {
        byte[] content = bytes(200_000, 23); // ranged at the test's 64 KiB parts
        store.put("c64/x.bin", content);
        Digests.Digest crc = Digests.create(Checksum.Algorithm.CRC64NVME);
        crc.update(content, 0, content.length);
        store.checksums("c64/x.bin", Checksum.ofHex(Checksum.Algorithm.CRC64NVME, crc.hex()));
        assertThat(download(storage(), "mem://b/c64", temp.resolve("ok")).filesTransferred())
                .isEqualTo(1);

        store.checksums("c64/x.bin", Checksum.ofHex(Checksum.Algorithm.CRC64NVME, "0000000000000001"));
        assertThatThrownBy(() -> download(storage(), "mem://b/c64", temp.resolve("bad")))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("x.bin: CRC64NVME mismatch: store says 0000000000000001, got " + crc.hex());
        assertThat(temp.resolve("bad/x.bin")).doesNotExist();
    }

    @Test
    void aGitBlobIdIsVerifiedOnWholeAndRangedObjects() throws Exception {
        for (int size : List.of(1000, 200_000)) { // whole, and ranged at the test's 64 KiB parts
            byte[] content = bytes(size, 24);
            String key = "git" + size + "/x.bin";
            store.put(key, content);
            Digests.Digest id = Digests.create(Checksum.Algorithm.GIT_BLOB_SHA1, size);
            id.update(content, 0, size);
            String hex = id.hex();
            store.checksums(key, Checksum.ofHex(Checksum.Algorithm.GIT_BLOB_SHA1, hex));
            assertThat(download(storage(), "mem://b/git" + size, temp.resolve("ok" + size))
                            .filesTransferred())
                    .isEqualTo(1);

            store.checksums(key, Checksum.ofHex(Checksum.Algorithm.GIT_BLOB_SHA1, "0".repeat(40)));
            assertThatThrownBy(() -> download(storage(), "mem://b/git" + size, temp.resolve("bad" + size)))
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining(
                            "x.bin: GIT_BLOB_SHA1 mismatch: store says " + "0".repeat(40) + ", got " + hex);
        }
    }

    @Test
    void storageVerifyMd5ChoosesWhichChecksumsAreVerified() throws Exception {
        byte[] content = bytes(5000, 22);
        store.put("p/x.bin", content);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(content);
        Checksum goodCrc = Checksum.ofHex(Checksum.Algorithm.CRC32C, String.format("%08x", crc.getValue()));
        Checksum badMd5 = Checksum.ofHex(Checksum.Algorithm.MD5, "0".repeat(32));
        store.checksums("p/x.bin", goodCrc, badMd5);
        // auto: a CRC32C covers the object, its MD5 is not computed
        assertThat(downloadWith("mem://b/p", Map.of(), "auto").filesTransferred())
                .isEqualTo(1);
        assertThatThrownBy(() -> downloadWith("mem://b/p", Map.of("STORAGE_VERIFY_MD5", "always"), "always"))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("MD5 mismatch");

        store.checksums("p/x.bin", badMd5); // now the MD5 is the only checksum: auto verifies it, never does not
        assertThatThrownBy(() -> downloadWith("mem://b/p", Map.of(), "auto-md5-only"))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("MD5 mismatch");
        assertThat(downloadWith("mem://b/p", Map.of("STORAGE_VERIFY_MD5", "never"), "never")
                        .filesTransferred())
                .isEqualTo(1);

        assertThatThrownBy(() -> downloadWith("mem://b/p", Map.of("STORAGE_VERIFY_MD5", "sometimes"), "bad"))
                .isInstanceOf(dev.storageinit.ConfigurationException.class)
                .hasMessage(
                        "mem://b/p: STORAGE_VERIFY_MD5 (settings map) must be auto, always or never, got 'sometimes'");
        assertThat(temp.resolve("bad")).doesNotExist();
    }

    private DownloadResult downloadWith(String uri, Map<String, String> settings, String dir) throws StorageException {
        try (Storage s = storage().build()) {
            return s.download(DownloadRequest.builder(uri, temp.resolve(dir))
                    .settings(CredentialSource.of(settings))
                    .build());
        }
    }

    @Test
    void limitsMustBeWholeNumbersOfAtLeastOne() throws Exception {
        Settings settings = Settings.of(
                CredentialSource.of(Map.of("MAX_FILES", "4", "MAX_RANGES", " 0 ", "BAD", "x")), "mem://b/m");
        assertThat(TransferLimits.fromSettings(settings, "MAX_FILES", null))
                .isEqualTo(new TransferLimits(4, Integer.MAX_VALUE));
        assertThat(TransferLimits.fromSettings(settings, "UNSET", "UNSET")).isEqualTo(TransferLimits.NONE);
        assertThatThrownBy(() -> TransferLimits.fromSettings(settings, "MAX_FILES", "MAX_RANGES"))
                .isInstanceOf(dev.storageinit.ConfigurationException.class)
                .hasMessage("mem://b/m: MAX_RANGES (settings map) must be a whole number >= 1, got '0'");
        assertThatThrownBy(() -> TransferLimits.fromSettings(settings, "BAD", null))
                .hasMessageContaining("BAD (settings map) must be a whole number >= 1, got 'x'");
    }

    /** Every engine setting is parsed when the download starts: a bad archive limit fails before any byte moves. */
    @Test
    void aBadEngineSettingFailsBeforeAnyByteIsTransferred() throws Exception {
        store.put("m/model.tar", bytes(200_000, 3));
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.storageinit.TransferListener listener = new dev.storageinit.TransferListener() {
            @Override
            public void listed(dev.storageinit.ModelUri source, long files, long bytes) {
                events.add("listed " + files);
            }

            @Override
            public void bytes(long count) {
                events.add("bytes " + count);
            }
        };
        for (String name : List.of(
                "STORAGE_EXTRACT_MAX_BYTES",
                "STORAGE_EXTRACT_MAX_ENTRIES",
                "STORAGE_EXTRACT_MAX_RATIO",
                "STORAGE_LOCK_TIMEOUT",
                "STORAGE_VERIFY_MD5")) {
            Path dest = temp.resolve("bad-" + name);
            try (Storage s = storage().listener(listener).build()) {
                assertThatThrownBy(() -> s.download(DownloadRequest.builder("mem://b/m/model.tar", dest)
                                .settings(CredentialSource.of(Map.of(name, "lots")))
                                .build()))
                        .isInstanceOf(dev.storageinit.ConfigurationException.class)
                        .hasMessage("mem://b/m/model.tar: " + name + " (settings map) must be "
                                + (name.equals("STORAGE_VERIFY_MD5")
                                        ? "auto, always or never"
                                        : name.equals("STORAGE_LOCK_TIMEOUT")
                                                ? "a number of seconds of 0 or more (at most 86400)"
                                                : "a whole number >= 0")
                                + ", got 'lots'");
            }
            assertThat(events).isEmpty();
            assertThat(store.reads()).isZero();
            assertThat(dest).doesNotExist();
        }
    }

    @Test
    void aRetryWaitsAtLeastAsLongAsTheServerAsked() throws Exception {
        store.put("m/a.bin", bytes(100, 2));
        store.faults().failNextRangedReads(1, 429, "Too Many Requests");
        store.faults().retryAfter(Duration.ofMillis(400));
        long start = System.nanoTime();
        assertThat(download(storage(), "mem://b/m", temp.resolve("ok")).filesTransferred())
                .isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("the backoff is 1 ms, the server asked for 400 ms")
                .isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }

    @Test
    void retryableFailuresAreRetriedThenReported() throws Exception {
        store.put("m/a.bin", bytes(100, 2));
        store.faults().failNextRangedReads(2, 503, "Slow Down");
        assertThat(download(storage(), "mem://b/m", temp.resolve("ok")).filesTransferred())
                .isEqualTo(1);

        store.faults().failNextRangedReads(100, 503, "Slow Down");
        Path dest = temp.resolve("fail");
        assertThatThrownBy(() -> download(storage().maxAttempts(3), "mem://b/m", dest))
                .isInstanceOf(TransferException.class)
                .hasMessageStartingWith("mem://b/m: a.bin: failed after 3 attempts")
                .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isTrue());
        assertThat(dest.resolve("a.bin")).doesNotExist();
    }

    @Test
    void theListingIsPulledPageByPageAndAFailedPageIsRetriedWithItsToken() throws Exception {
        for (int i = 0; i < 7; i++) {
            store.put("m/f" + i + ".bin", bytes(10 + i, i));
        }
        store.put("other/x.bin", bytes(5, 9));
        store.pageSize(2);
        store.faults().failNextListings(2);
        Path dest = temp.resolve("paged");
        assertThat(download(storage(), "mem://b/m", dest).filesTransferred()).isEqualTo(7);
        for (int i = 0; i < 7; i++) {
            assertThat(dest.resolve("f" + i + ".bin")).hasBinaryContent(bytes(10 + i, i));
        }
        assertThat(dest.resolve("x.bin")).doesNotExist();
        assertThat(store.listCalls()).isEqualTo(4 + 2); // four pages, the first asked for three times

        store.faults().failNextListings(100);
        Path failed = temp.resolve("failed");
        assertThatThrownBy(() -> download(storage().maxAttempts(3), "mem://b/m", failed))
                .isInstanceOf(TransferException.class)
                .hasMessage("mem://b/m: listing 'm/': failed after 3 attempts: listing: 503 slow down")
                .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isTrue());
        assertThat(failed.resolve("f0.bin")).doesNotExist();
    }

    @Test
    void finalErrorsAreNotRetried() {
        store.put("m/a.bin", bytes(100, 2));
        store.faults().failEveryRead(new AccessDeniedException("mem://b/m", "403 from test"));
        assertThatThrownBy(() -> download(storage(), "mem://b/m", temp.resolve("d")))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(store.reads()).isEqualTo(1);
    }

    @Test
    void checksumMismatchIsRefetchedThenRefusedAndNothingPublished() throws Exception {
        byte[] content = bytes(5000, 3);
        store.put("m/w.bin", content);
        store.checksums("m/w.bin", md5(content));
        store.faults().corruptNextReads(1, false);
        Path ok = temp.resolve("ok");
        download(storage(), "mem://b/m", ok);
        assertThat(Files.readAllBytes(ok.resolve("w.bin"))).isEqualTo(content);

        store.faults().corruptNextReads(100, false);
        Path bad = temp.resolve("bad");
        assertThatThrownBy(() -> download(storage(), "mem://b/m", bad))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("MD5 mismatch");
        assertThat(bad.resolve("w.bin")).doesNotExist();
        assertThat(manifestOf(bad)).contains("\"complete\":false");
        assertThat(stagingLeft(bad)).isEmpty();
    }

    @Test
    void rangedObjectsAreVerifiedAfterAssembly() throws Exception {
        byte[] content = bytes(300_000, 4);
        store.put("m/big.bin", content);
        store.checksums("m/big.bin", Checksum.ofHex(Checksum.Algorithm.CRC32C, crc32c(content)));
        Path dest = temp.resolve("d");
        download(storage(), "mem://b/m", dest);
        assertThat(Files.readAllBytes(dest.resolve("big.bin"))).isEqualTo(content);

        store.checksums("m/big.bin", Checksum.ofHex(Checksum.Algorithm.CRC32C, "00000000"));
        assertThatThrownBy(() -> download(storage(), "mem://b/m", temp.resolve("e")))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("CRC32C mismatch");
    }

    private static String crc32c(byte[] b) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b);
        return String.format("%08x", c.getValue());
    }

    @Test
    void keysOntoTheManifestOrOutsideAreRefused() {
        store.put("m/.storage-initializer.json", new byte[1]);
        assertThatThrownBy(() -> download(storage(), "mem://b/m", temp.resolve("d")))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("reserved");
        store.clear();
        store.put("m/a/../../../x", new byte[1]);
        assertThatThrownBy(() -> download(storage(), "mem://b/m", temp.resolve("e")))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("outside the destination");
    }

    @Test
    void aDestinationThatIsAFileIsAClearError() throws Exception {
        store.put("m/a", new byte[1]);
        Path file = Files.writeString(temp.resolve("file"), "x");
        assertThatThrownBy(() -> download(storage(), "mem://b/m", file))
                .isInstanceOf(dev.storageinit.ConfigurationException.class)
                .hasMessageContaining("is not a directory");
    }

    @Test
    void interruptingTheCallerAbortsAndCleansUp() throws Exception {
        for (int i = 0; i < 50; i++) {
            store.put("m/f" + i, bytes(200_000, i));
        }
        CountDownLatch firstBytes = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Path dest = temp.resolve("d");
        Storage.Builder slow = storage().concurrency(1).listener(new dev.storageinit.TransferListener() {
            @Override
            public void bytes(long count) {
                firstBytes.countDown();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Thread t = new Thread(() -> {
            try {
                download(slow, "mem://b/m", dest);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        firstBytes.await();
        t.interrupt();
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(TransferException.class).hasMessageContaining("interrupted");
        assertThat(stagingLeft(dest)).isEmpty();
        assertThat(manifestOf(dest)).contains("\"complete\":false");
    }

    @Test
    void filtersFromSettingsApplyWhenTheRequestHasNone() throws Exception {
        store.put("m/a.json", new byte[1]);
        store.put("m/b.bin", new byte[1]);
        store.put("m/c/d.bin", new byte[1]);
        Path dest = temp.resolve("d");
        try (Storage s = storage().build()) {
            DownloadResult r = s.download(DownloadRequest.builder("mem://b/m", dest)
                    .settings(CredentialSource.of(Map.of("STORAGE_IGNORE_PATTERNS", "[\"*.bin\"]")))
                    .build());
            assertThat(r.filesTransferred()).isEqualTo(1);
            assertThat(r.filesFiltered()).isEqualTo(2);
        }
        try (Storage s = storage().build()) {
            assertThatThrownBy(() -> s.download(DownloadRequest.builder("mem://b/m", temp.resolve("e"))
                            .settings(CredentialSource.of(Map.of("STORAGE_ALLOW_PATTERNS", "*.txt")))
                            .build()))
                    .isInstanceOf(dev.storageinit.NotFoundException.class)
                    .hasMessageContaining("no file matched the allow/ignore patterns (3 objects listed)");
        }
    }
}
