package dev.storageinit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.TransferListener;
import dev.storageinit.UnsafePathException;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.support.RcloneRemote;
import dev.storageinit.spi.support.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every provider must show against its real server. A provider module extends this class, starts
 * its server in {@link #createFixture()}, and inherits every test. A server quirk is recorded by overriding the
 * test concerned so that it asserts the quirk, never by skipping.
 *
 * <p>Each test writes under its own key prefix, so the tests share one container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ConformanceSuite {
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    /** The running store. */
    protected StoreFixture store;
    /** A key prefix unique to the running test, ending in '/'. */
    protected String base;
    /** A fresh directory per test; destinations go below it. */
    @TempDir
    protected Path temp;

    /** Starts the store (fails, never skips, when its server cannot start). */
    protected abstract StoreFixture createFixture() throws Exception;

    @BeforeAll
    final void startStore() throws Exception {
        store = createFixture();
    }

    @AfterAll
    final void stopStore() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    @BeforeEach
    final void newPrefix(TestInfo info) {
        base = "c" + PREFIXES.incrementAndGet() + "-"
                + info.getTestMethod().map(m -> m.getName()).orElse("t") + "/";
    }

    /** The destination of a download; override to test another file system (jimfs). */
    protected Path newDestination(String name) throws IOException {
        return temp.resolve("out").resolve(name);
    }

    /** The storage instance the tests download with; override to tune. */
    protected Storage.Builder storage() {
        return Storage.builder().concurrency(8);
    }

    /** The provider under test, found the way users find it: with ServiceLoader, by the fixture's URI. */
    protected StorageProvider provider() throws StorageException {
        ModelUri uri = ModelUri.parse(store.uri(base + "x"));
        Settings settings = Settings.of(store.settings(), uri.redacted());
        for (StorageProvider p : ServiceLoader.load(StorageProvider.class)) {
            if (p.match(uri, store.settings()) != StorageProvider.Match.NONE
                    || RcloneRemote.ofType(uri, settings, p.rcloneTypes()).isPresent()) {
                return p;
            }
        }
        throw new AssertionError("no provider on the test classpath claims " + uri);
    }

    // ------------------------------------------------------------------ helpers

    /** Bytes of a given size, different for each seed. */
    protected static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected DownloadResult download(String path, Path dest) throws StorageException {
        return download(path, dest, store.settings());
    }

    protected DownloadResult download(String path, Path dest, CredentialSource credentials) throws StorageException {
        try (Storage s = storage().build()) {
            return s.download(DownloadRequest.builder(store.uri(path), dest)
                    .settings(credentials)
                    .build());
        }
    }

    /** Relative paths ('/'-separated) of the regular files under {@code dir}, without the manifest. */
    protected static List<String> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p)
                            .toString()
                            .replace(dir.getFileSystem().getSeparator(), "/"))
                    .filter(p -> !p.startsWith(".storage-initializer"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    /** Puts objects in parallel (large listings would take long one by one). */
    protected void putAll(Map<String, byte[]> objects) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : objects.entrySet()) {
                futures.add(pool.submit(() -> {
                    store.put(e.getKey(), e.getValue());
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static String manifestOf(Path dest) throws IOException {
        return ModelDirectory.manifestOf(dest);
    }

    /**
     * What a clause about one object in {@code folder} downloads: the folder, or the object itself where the store
     * has no listing ({@link StoreFixture#listsFolders()}); either way the file lands as {@code dest/name}.
     */
    private String folderOrItsObject(String folder, String name) {
        return store.listsFolders() ? folder : folder + "/" + name;
    }

    /**
     * For a store without a listing ({@link StoreFixture#listsFolders()} false), asserts the quirk that a clause about
     * folders meets instead: with an object under {@code folder}, the folder's URI is not found and nothing lands.
     *
     * @return whether the clause ends here
     */
    private boolean aFolderIsNotFoundWithoutAListing(String folder) throws Exception {
        if (store.listsFolders()) {
            return false;
        }
        store.put(base + folder + "/a.txt", text("a"));
        Path dest = newDestination("unlisted-" + folder);
        assertThatThrownBy(() -> download(base + folder, dest))
                .as("a store without a listing serves objects, not folders")
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining(ModelUri.redact(store.uri(base + folder)));
        assertThat(files(dest)).isEmpty();
        return true;
    }

    // ------------------------------------------------------------------ the contract

    @Test
    void singleObjectLandsAsItsBasename() throws Exception {
        store.put(base + "models/model.bin", bytes(1000, 1));
        Path dest = newDestination("single");
        DownloadResult r = download(base + (store.urisNameSingleObjects() ? "models/model.bin" : "models"), dest);
        assertThat(files(dest)).containsExactly("model.bin");
        assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(bytes(1000, 1));
        assertThat(r.filesTransferred()).isEqualTo(1);
        assertThat(r.bytesTransferred()).isEqualTo(1000);
    }

    @Test
    void folderKeepsRelativePaths() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("m")) {
            return;
        }
        store.put(base + "m/config.json", text("{}"));
        store.put(base + "m/weights/part-1.bin", bytes(5000, 2));
        store.put(base + "m/a/b/c/d/e/deep.txt", text("deep"));
        for (String path : List.of(base + "m", base + "m/")) {
            Path dest = newDestination("folder" + path.length());
            download(path, dest);
            assertThat(files(dest)).containsExactly("a/b/c/d/e/deep.txt", "config.json", "weights/part-1.bin");
            assertThat(Files.readAllBytes(dest.resolve("weights/part-1.bin"))).isEqualTo(bytes(5000, 2));
            assertThat(Files.readString(dest.resolve("a/b/c/d/e/deep.txt"))).isEqualTo("deep");
        }
    }

    @Test
    void siblingsWithTheSamePrefixDoNotLeak() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("model")) {
            return;
        }
        store.put(base + "model/a.bin", text("a"));
        store.put(base + "model-v2/b.bin", text("b"));
        store.put(base + "model.txt", text("c"));
        store.put(base + "modelx", text("d"));
        Path dest = newDestination("sibling");
        download(base + "model", dest);
        assertThat(files(dest)).containsExactly("a.bin");
    }

    @Test
    void wholeContainerPrefixAndFolderMarkers() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("tree")) {
            return;
        }
        store.put(base + "tree/x/", new byte[0]);
        store.put(base + "tree/x/y.txt", text("y"));
        Path dest = newDestination("markers");
        download(base + "tree", dest);
        assertThat(files(dest)).containsExactly("x/y.txt");
    }

    @Test
    void moreThanAThousandObjects() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("many")) {
            return;
        }
        Map<String, byte[]> objects = new LinkedHashMap<>();
        for (int i = 0; i < 1100; i++) {
            objects.put(base + "many/d" + (i % 7) + "/f" + i + ".txt", text("object " + i));
        }
        putAll(objects);
        Path dest = newDestination("many");
        DownloadResult r = download(base + "many", dest);
        assertThat(r.filesTransferred()).isEqualTo(1100);
        assertThat(files(dest)).hasSize(1100);
        assertThat(Files.readString(dest.resolve("d3/f1053.txt"))).isEqualTo("object 1053");
    }

    @Test
    void zeroByteObjectsAreFiles() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("z")) {
            return;
        }
        store.put(base + "z/empty.txt", new byte[0]);
        store.put(base + "z/full.txt", text("x"));
        Path dest = newDestination("zero");
        download(base + "z", dest);
        assertThat(files(dest)).containsExactly("empty.txt", "full.txt");
        assertThat(Files.size(dest.resolve("empty.txt"))).isZero();
    }

    @Test
    void keysWithSpacesHashPercentAndUnicode() throws Exception {
        List<String> names = List.of(
                "with space.txt",
                "hash#1.txt",
                "pct%20x.txt",
                "plus+sign.txt",
                "unicodé-日本語.txt",
                "dir with space/inner#%.txt");
        Map<String, byte[]> objects = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            objects.put(base + "odd key/" + names.get(i), text("content " + i));
        }
        putAll(objects);
        if (!store.listsFolders()) {
            for (int i = 0; i < names.size(); i++) {
                Path one = newDestination("odd-" + i);
                String path = ModelUri.parse(store.uri(base + "odd key/" + names.get(i)))
                        .path();
                download(base + "odd key/" + names.get(i), one);
                assertThat(files(one))
                        .as("a URL's file lands under its last path segment as the URL spells it")
                        .containsExactly(path.substring(path.lastIndexOf('/') + 1));
                assertThat(Files.readString(one.resolve(files(one).get(0)))).isEqualTo("content " + i);
            }
            return;
        }
        Path dest = newDestination("odd");
        download(base + "odd key", dest);
        assertThat(files(dest)).containsExactlyInAnyOrderElementsOf(names);
        for (int i = 0; i < names.size(); i++) {
            assertThat(Files.readString(dest.resolve(names.get(i)))).isEqualTo("content " + i);
        }
        if (store.urisNameSingleObjects()) {
            Path single = newDestination("odd-single");
            download(base + "odd key/hash#1.txt", single);
            assertThat(files(single)).containsExactly("hash#1.txt");
        }
    }

    @Test
    void traversalKeysAreRefused() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("trav")) {
            return;
        }
        String evil = base + "trav/../../escaped.txt";
        if (!store.canStore(evil)) {
            assertThatThrownBy(() -> store.put(evil, text("evil")))
                    .as("the fixture says the store cannot hold '..' keys, so storing one must fail")
                    .isNotNull();
            return;
        }
        store.put(base + "trav/good.txt", text("good"));
        store.put(evil, text("evil"));
        Path outer = newDestination("outer");
        Path dest = outer.resolve("dest");
        assertThatThrownBy(() -> download(base + "trav", dest))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("escaped.txt");
        try (Stream<Path> walk = Files.walk(outer.getParent())) {
            assertThat(walk.filter(p -> p.getFileName() != null
                            && p.getFileName().toString().equals("escaped.txt")))
                    .isEmpty();
        }
        assertThat(manifestOf(dest)).contains("\"complete\":false");
    }

    @Test
    void aFileAndAFolderOnOnePathAreAnUnsafePath() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("both")) {
            return;
        }
        store.put(base + "both/a", text("a file"));
        if (!store.canHoldFileAndFolderOnOnePath()) {
            assertThatThrownBy(() -> store.put(base + "both/a/b", text("below it")))
                    .as("the fixture says the store cannot hold 'a' and 'a/b', so storing the second must fail")
                    .isNotNull();
            return;
        }
        store.put(base + "both/a/b", text("below it"));
        Path dest = newDestination("both");
        assertThatThrownBy(() -> download(base + "both", dest))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("'a/b'")
                .hasMessageContaining("a file and a folder on one path");
        assertThat(manifestOf(dest)).contains("\"complete\":false");
        assertThat(ModelDirectory.stagingLeft(dest)).isEmpty();
    }

    @Test
    void kserveServersListingTheDestinationFindTheModelAlone() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("xgb")) {
            return;
        }
        store.put(base + "xgb/model.json", text("{\"learner\": {}}"));
        store.put(base + "xgb/sub/notes.txt", text("not a model"));
        Path dest = newDestination("xgb");
        download(base + "xgb", dest);
        assertThat(ModelDirectory.modelFilesFor("xgbserver", dest)).containsExactly("model.json");
        for (String server : List.of("lgbserver", "sklearnserver", "pmmlserver")) {
            assertThat(ModelDirectory.modelFilesFor(server, dest)).as(server).isEmpty();
        }
        try (Stream<Path> top = Files.list(dest)) {
            assertThat(top.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .as("the top level holds the model's own files only")
                    .containsExactly("model.json");
        }
    }

    @Test
    void missingPathIsNotFoundNamingTheUri() throws Exception {
        store.put(base + "present/a.txt", text("a"));
        Path dest = newDestination("missing");
        assertThatThrownBy(() -> download(base + "absent", dest))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining(ModelUri.redact(store.uri(base + "absent")));
        assertThat(files(dest)).isEmpty();
    }

    @Test
    void missingContainerIsNotFound() throws Exception {
        Path dest = newDestination("nobucket");
        assertThatThrownBy(() -> {
                    try (Storage s = storage().build()) {
                        s.download(DownloadRequest.builder(store.missingContainerUri(), dest)
                                .settings(store.settings())
                                .build());
                    }
                })
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void refusedCredentialsAreAccessDenied() throws Exception {
        store.put(base + "secret/a.txt", text("a"));
        var wrong = refusedCredentials();
        if (wrong.isEmpty()) {
            download(base + "secret", newDestination("noauth"));
            return;
        }
        Path dest = newDestination("denied");
        assertThatThrownBy(() -> download(base + "secret", dest, wrong.get()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining(ModelUri.redact(store.uri(base + "secret")))
                .as("the error names where the refused credentials came from")
                .hasMessageContaining(store.wrongCredentialsVariable());
        assertThat(files(dest)).isEmpty();
    }

    /** The store's refused credentials; empty, after checking it says so, for a store without authentication. */
    private Optional<CredentialSource> refusedCredentials() {
        Optional<CredentialSource> wrong = store.wrongCredentials();
        if (wrong.isEmpty()) {
            assertThat(store.settings().description())
                    .as("a store without authentication")
                    .isNotNull();
        }
        return wrong;
    }

    @Test
    void refusedCredentialsLeaveNoTraceOfTheSecret() throws Exception {
        store.put(base + "trace/a.txt", text("a"));
        var wrong = refusedCredentials();
        if (wrong.isEmpty()) {
            return;
        }
        String secret = wrong.get().get(store.wrongCredentialsVariable()).orElseThrow();
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            StorageException e =
                    leaks.download(storage(), store.uri(base + "trace"), newDestination("trace"), wrong.get());
            assertThat(e).as(leaks.recorded()).isInstanceOf(AccessDeniedException.class);
            leaks.assertNoLeak(secret);
        }
    }

    @Test
    void malformedSecretsAreRefusedAndLeaveNoTrace() throws Exception {
        store.put(base + "malformed/a.txt", text("a"));
        var wrong = refusedCredentials();
        if (wrong.isEmpty()) {
            return;
        }
        List<String> corpus = SecretLeaks.corpus();
        for (int i = 0; i < corpus.size(); i++) {
            String secret = corpus.get(i);
            CredentialSource malformed = CredentialSource.first(
                    CredentialSource.of(Map.of(store.wrongCredentialsVariable(), secret)), wrong.get());
            try (SecretLeaks leaks = SecretLeaks.capture()) {
                StorageException e = leaks.download(
                        storage(), store.uri(base + "malformed"), newDestination("malformed-" + i), malformed);
                assertThat(e)
                        .as(
                                "a malformed secret in %s is refused: %s",
                                store.wrongCredentialsVariable(), leaks.recorded())
                        .isNotNull();
                leaks.assertNoLeak(secret);
            }
        }
    }

    @Test
    void rerunSkipsIntactFilesAndRefetchesChangedOnes() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("re")) {
            return;
        }
        store.put(base + "re/a.txt", text("a1"));
        store.put(base + "re/b.txt", text("b1"));
        store.put(base + "re/c/d.txt", text("d1"));
        Path dest = newDestination("rerun");
        assertThat(download(base + "re", dest).filesTransferred()).isEqualTo(3);

        DownloadResult second = download(base + "re", dest);
        assertThat(second.filesTransferred()).isZero();
        assertThat(second.filesSkipped()).isEqualTo(3);

        store.put(base + "re/b.txt", text("b2-changed"));
        Files.delete(dest.resolve("c/d.txt"));
        DownloadResult third = download(base + "re", dest);
        assertThat(third.filesTransferred()).isEqualTo(2);
        assertThat(third.filesSkipped()).isEqualTo(1);
        assertThat(Files.readString(dest.resolve("b.txt"))).isEqualTo("b2-changed");
        assertThat(Files.readString(dest.resolve("c/d.txt"))).isEqualTo("d1");
        assertThat(manifestOf(dest)).contains("\"complete\":true");
    }

    @Test
    void interruptedRunLeavesNoCompleteLookingModel() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("int")) {
            return;
        }
        Map<String, byte[]> objects = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            objects.put(base + "int/f" + i + ".bin", bytes(20_000, i));
        }
        objects.put(base + "int/big.bin", bytes(3 << 20, 99));
        putAll(objects);
        Path dest = newDestination("interrupted");
        AtomicInteger seen = new AtomicInteger();
        TransferListener cutter = new TransferListener() {
            @Override
            public void bytes(long count) {
                if (seen.incrementAndGet() == 20) {
                    throw new IllegalStateException("simulated crash");
                }
            }
        };
        try (Storage s = storage()
                .listener(cutter)
                .partSize(256 << 10)
                .multipartThreshold(256 << 10)
                .build()) {
            assertThatThrownBy(() -> s.download(DownloadRequest.builder(store.uri(base + "int"), dest)
                            .settings(store.settings())
                            .build()))
                    .isInstanceOf(TransferException.class)
                    .hasMessageContaining("simulated crash");
        }
        assertThat(manifestOf(dest)).contains("\"complete\":false");
        assertThat(ModelDirectory.stagingLeft(dest)).isEmpty();
        for (String f : files(dest)) {
            assertThat(Files.readAllBytes(dest.resolve(f)))
                    .as("a published file is complete: %s", f)
                    .isEqualTo(objects.get(base + "int/" + f));
        }
        DownloadResult again = download(base + "int", dest);
        assertThat(again.files()).isEqualTo(41);
        assertThat(files(dest)).hasSize(41);
        assertThat(Files.readAllBytes(dest.resolve("big.bin"))).isEqualTo(objects.get(base + "int/big.bin"));
        assertThat(manifestOf(dest)).contains("\"complete\":true");
    }

    @Test
    void largeObjectIsReadInRangesAndByteIdentical() throws Exception {
        Path big = temp.resolve("big.src");
        byte[] content = bytes((9 << 20) + 12345, 7);
        Files.write(big, content);
        store.put(base + "large/weights.bin", big);
        RecordingProvider recording = new RecordingProvider(provider());
        Path dest = newDestination("large");
        try (Storage s = storage()
                .providers(List.of(recording))
                .partSize(1 << 20)
                .multipartThreshold(1 << 20)
                .build()) {
            s.download(DownloadRequest.builder(store.uri(folderOrItsObject(base + "large", "weights.bin")), dest)
                    .settings(store.settings())
                    .build());
        }
        assertThat(sha256(dest.resolve("weights.bin"))).isEqualTo(sha256(content));
        List<RecordingProvider.Read> reads = recording.reads();
        assertThat(reads).hasSizeGreaterThanOrEqualTo(10);
        assertThat(reads).allSatisfy(r -> assertThat(r.length()).isLessThanOrEqualTo(1 << 20));
        assertThat(reads.stream().mapToLong(RecordingProvider.Read::length).sum())
                .isEqualTo(content.length);
    }

    @Test
    void anObjectReplacedDuringTheDownloadIsAnIntegrityErrorNeverAMix() throws Exception {
        byte[] first = bytes((2 << 20) + 1, 31);
        store.put(base + "pinned/w.bin", first);
        AtomicBoolean replaced = new AtomicBoolean();
        TransferListener replaceOnFirstBytes = new TransferListener() {
            @Override
            public void bytes(long count) {
                if (replaced.compareAndSet(false, true)) {
                    try {
                        Thread.sleep(10); // a version that is a modification time may count in milliseconds
                        store.put(base + "pinned/w.bin", ConformanceSuite.bytes((2 << 20) + 1, 32));
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot replace the object", e);
                    }
                }
            }
        };
        Path dest = newDestination("pinned");
        try (Storage s = storage()
                .concurrency(1)
                .partSize(256 << 10)
                .multipartThreshold(256 << 10)
                .listener(replaceOnFirstBytes)
                .build()) {
            String pinned = folderOrItsObject(base + "pinned", "w.bin");
            DownloadRequest request = DownloadRequest.builder(store.uri(pinned), dest)
                    .settings(store.settings())
                    .build();
            if (store.readsOneSnapshot()) {
                s.download(request);
                assertThat(replaced).isTrue();
                assertThat(Files.readAllBytes(dest.resolve("w.bin")))
                        .as("the version the download started with, whole")
                        .isEqualTo(first);
                return;
            }
            assertThatThrownBy(() -> s.download(request))
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageStartingWith(ModelUri.redact(store.uri(pinned)));
        }
        assertThat(replaced).isTrue();
        assertThat(files(dest)).as("nothing of either version is published").isEmpty();
    }

    /** A fault armed before a download: on the {@link FaultProxy} in front of the store, or the store's own. */
    private interface Fault {
        void arm(Faults faults);
    }

    /** What the faults must have done by the end, so that a clause never passes without its fault. */
    private interface Done {
        void check(Faults faults);
    }

    /**
     * Whether faults can be injected: by a {@link FaultProxy} on the store's port, or by the store's own injector. A
     * volume has neither: no connection to cut, stall or throttle.
     */
    private boolean faultable() throws StorageException {
        if (store.port().isPresent() || store.faults().isPresent()) {
            return true;
        }
        assertThat(provider().name())
                .as("only volumes are reached without a connection to break")
                .isEqualTo("pvc");
        return false;
    }

    /** Puts a 3 MiB object, downloads it in 1 MiB ranges through {@code fault}. */
    private void downloadThroughFault(String name, Fault fault, Done done) throws Exception {
        downloadThroughFault(name, Map.of(), fault, done);
    }

    /** As {@link #downloadThroughFault(String, Fault, Done)}, with {@code tuning} settings over the store's. */
    private void downloadThroughFault(String name, Map<String, String> tuning, Fault fault, Done done)
            throws Exception {
        byte[] content = bytes((3 << 20) + name.length(), name.hashCode());
        store.put(base + name + "/w.bin", content);
        Path dest = newDestination(name);
        try (FaultProxy proxy =
                        store.port().isPresent() ? new FaultProxy(store.port().getAsInt()) : null;
                Storage s = storage()
                        .concurrency(2)
                        .partSize(1 << 20)
                        .multipartThreshold(1 << 20)
                        .retryBackoff(Duration.ofMillis(10))
                        .build()) {
            Faults faults = proxy != null
                    ? proxy
                    : store.faults().orElseThrow(() -> new AssertionError("the store has neither a port nor faults()"));
            CredentialSource through = proxy != null ? store.settingsThrough(proxy.endpoint()) : store.settings();
            fault.arm(faults);
            String path = folderOrItsObject(base + name, "w.bin");
            DownloadRequest request = DownloadRequest.builder(
                            proxy != null ? store.uriThrough(proxy.endpoint(), path) : store.uri(path), dest)
                    .settings(CredentialSource.first(CredentialSource.of(tuning), through))
                    .build();
            s.download(request);
            done.check(faults);
        }
        assertThat(sha256(dest.resolve("w.bin"))).as(name).isEqualTo(sha256(content));
    }

    @Test
    void aConnectionCutMidRangeIsResumedToIdenticalBytes() throws Exception {
        if (faultable()) {
            downloadThroughFault("cut", faults -> faults.cutAfter(300_000, 3), faults -> assertThat(faults.cutsDone())
                    .as("connections were cut mid-body")
                    .isPositive());
        }
    }

    @Test
    void aStalledBodyFailsRetryablyAfterTheReadTimeoutAndThenSucceeds() throws Exception {
        if (!faultable()) {
            return;
        }
        long started = System.nanoTime();
        downloadThroughFault(
                "stall",
                Map.of(Settings.READ_TIMEOUT, "1"),
                faults -> faults.stallRangedReads(1, 300_000),
                faults -> assertThat(faults.stallsDone())
                        .as("a ranged read stalled mid-body")
                        .isEqualTo(1));
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as(
                        "the stalled read was given up after %s=1, not after the stall (%s ms) or a default",
                        Settings.READ_TIMEOUT, FaultProxy.STALL_MILLIS)
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1))
                .isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void aServerThatIgnoresRangeStillYieldsIdenticalBytes() throws Exception {
        if (!faultable()) {
            return;
        }
        if (store.port().isEmpty()) {
            assertThat(provider().name())
                    .as("only the in-memory store has no wire with a range header to drop")
                    .isEqualTo("memory");
            return;
        }
        if (store.rangeHeaderCanBeDropped()) {
            downloadThroughFault("norange", faults -> ((FaultProxy) faults).ignoreRanges(), faults -> assertThat(
                            ((FaultProxy) faults).rangesDropped())
                    .as("ranged reads lost their range")
                    .isPositive());
            return;
        }
        assertThatThrownBy(() -> downloadThroughFault(
                        "signedrange", faults -> ((FaultProxy) faults).ignoreRanges(), faults -> {}))
                .as("the server refuses a request whose signed Range is gone")
                .isInstanceOf(StorageException.class);
        assertThat(files(newDestination("signedrange"))).isEmpty();
    }

    @Test
    void throttledAndFailingReadsAreRetried() throws Exception {
        if (!faultable()) {
            return;
        }
        Done answered = faults ->
                assertThat(faults.cannedSent()).as("the errors were answered").isEqualTo(2);
        downloadThroughFault("busy503", faults -> faults.failNextRangedReads(2, 503, "Service Unavailable"), answered);
        downloadThroughFault("busy429", faults -> faults.failNextRangedReads(2, 429, "Too Many Requests"), answered);
        downloadThroughFault(
                "busy500", faults -> faults.failNextRangedReads(2, 500, "Internal Server Error"), answered);
    }

    @Test
    void allowAndIgnorePatternsFilterRelativePaths() throws Exception {
        if (aFolderIsNotFoundWithoutAListing("flt")) {
            return;
        }
        store.put(base + "flt/config.json", text("{}"));
        store.put(base + "flt/w/model.safetensors", text("w"));
        store.put(base + "flt/w/model.bin", text("b"));
        store.put(base + "flt/README.md", text("r"));
        Path dest = newDestination("filter");
        try (Storage s = storage().build()) {
            DownloadResult r = s.download(DownloadRequest.builder(store.uri(base + "flt"), dest)
                    .settings(store.settings())
                    .allow(List.of("*.json", "*.safetensors", "*.bin"))
                    .ignore(List.of("*.bin"))
                    .build());
            assertThat(r.filesFiltered()).isEqualTo(2);
        }
        assertThat(files(dest)).containsExactly("config.json", "w/model.safetensors");
    }
}
