package dev.storageinit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.TransferListener;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.testkit.RecordingProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP provider against a real HTTP server on 127.0.0.1. The {@link dev.storageinit.testkit.ConformanceSuite}
 * does not apply as a whole (a URL names one file: no listing, no folders, no siblings, no traversal keys), so the
 * parts that do apply are here: single file as its basename, odd characters, not found, access denied, rerun
 * skipping, interrupted run, large object in ranges, zero bytes; plus what is HTTP's own.
 */
class HttpProviderTest {
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

    static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Storage.Builder storage() {
        return Storage.builder().concurrency(4).retryBackoff(Duration.ofMillis(10));
    }

    private DownloadResult download(String url, Path dest) throws StorageException {
        return download(url, dest, CredentialSource.none());
    }

    private DownloadResult download(String url, Path dest, CredentialSource settings) throws StorageException {
        try (Storage s = storage().build()) {
            return s.download(
                    DownloadRequest.builder(url, dest).settings(settings).build());
        }
    }

    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !Files.isDirectory(p))
                    .map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.startsWith(".storage-initializer"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    static String manifest(Path dest) throws IOException {
        return dev.storageinit.testkit.ModelDirectory.manifestOf(dest);
    }

    // ------------------------------------------------------------------ dispatch and URI form

    @Test
    void claimsHttpAndHttpsGenerically() throws Exception {
        StorageProvider p = ServiceLoader.load(StorageProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(x -> x instanceof HttpProvider)
                .findFirst()
                .orElseThrow();
        CredentialSource none = CredentialSource.none();
        assertThat(p.match(ModelUri.parse("https://example.com/m.bin"), none)).isEqualTo(StorageProvider.Match.GENERIC);
        assertThat(p.match(ModelUri.parse("http://example.com/m.bin"), none)).isEqualTo(StorageProvider.Match.GENERIC);
        assertThat(p.match(ModelUri.parse("s3://bucket/m"), none)).isEqualTo(StorageProvider.Match.NONE);
    }

    @Test
    void aFolderUrlIsAnInvalidUri() {
        assertThatThrownBy(() -> download(server.url("/files/"), temp.resolve("d")))
                .isInstanceOf(InvalidUriException.class)
                .hasMessageContaining("http(s)://<host>[:port]/<path to a file>");
    }

    // ------------------------------------------------------------------ the parts of the conformance suite that apply

    @Test
    void singleFileLandsAsItsBasenameWithoutTheQuery() throws Exception {
        server.put("/files/models/model.bin", bytes(1000, 1));
        Path dest = temp.resolve("single");
        DownloadResult r = download(server.url("/files/models/model.bin?version=3&sig=abc#frag"), dest);
        assertThat(files(dest)).containsExactly("model.bin");
        assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(bytes(1000, 1));
        assertThat(r.filesTransferred()).isEqualTo(1);
        assertThat(r.bytesTransferred()).isEqualTo(1000);
        assertThat(manifest(dest)).contains("\"complete\":true").doesNotContain("sig=abc");
    }

    @Test
    void spacesPercentAndUnicodeInThePath() throws Exception {
        server.put("/files/with%20space.bin", "a".getBytes(StandardCharsets.UTF_8));
        server.put("/files/unicod%C3%A9.bin", "b".getBytes(StandardCharsets.UTF_8));
        server.put("/files/pct%20x.bin", "c".getBytes(StandardCharsets.UTF_8));
        Path d1 = temp.resolve("space");
        download(server.url("/files/with space.bin"), d1);
        assertThat(Files.readString(d1.resolve("with space.bin"))).isEqualTo("a");
        Path d2 = temp.resolve("unicode");
        download(server.url("/files/unicodé.bin"), d2);
        assertThat(Files.readString(d2.resolve("unicodé.bin"))).isEqualTo("b");
        Path d3 = temp.resolve("pct");
        download(server.url("/files/pct%20x.bin"), d3); // an escape in the URL is sent as written
        assertThat(files(d3)).containsExactly("pct%20x.bin");
    }

    @Test
    void zeroByteFile() throws Exception {
        server.put("/files/empty.txt", new byte[0]);
        Path dest = temp.resolve("zero");
        download(server.url("/files/empty.txt"), dest);
        assertThat(files(dest)).containsExactly("empty.txt");
        assertThat(Files.size(dest.resolve("empty.txt"))).isZero();
    }

    @Test
    void missingFileIsNotFoundNamingTheUri() throws Exception {
        Path dest = temp.resolve("missing");
        String url = server.url("/files/absent.bin");
        assertThatThrownBy(() -> download(url, dest))
                .isInstanceOf(NotFoundException.class)
                .hasMessageStartingWith(url)
                .hasMessageContaining("404");
        assertThat(files(dest)).isEmpty();
    }

    @Test
    void rerunSkipsAnIntactFileAndRefetchesAChangedOne() throws Exception {
        server.put("/files/re.bin", bytes(5000, 3));
        Path dest = temp.resolve("rerun");
        assertThat(download(server.url("/files/re.bin"), dest).filesTransferred())
                .isEqualTo(1);
        DownloadResult second = download(server.url("/files/re.bin"), dest);
        assertThat(second.filesTransferred()).isZero();
        assertThat(second.filesSkipped()).isEqualTo(1);
        server.put("/files/re.bin", bytes(5000, 4));
        DownloadResult third = download(server.url("/files/re.bin"), dest);
        assertThat(third.filesTransferred()).isEqualTo(1);
        assertThat(Files.readAllBytes(dest.resolve("re.bin"))).isEqualTo(bytes(5000, 4));
        assertThat(manifest(dest)).contains("\"complete\":true");
    }

    @Test
    void largeFileIsReadInPinnedRanges() throws Exception {
        byte[] content = bytes((3 << 20) + 4321, 7);
        server.put("/files/weights.bin", content);
        RecordingProvider recording = new RecordingProvider(new HttpProvider());
        Path dest = temp.resolve("large");
        try (Storage s = storage()
                .providers(List.of(recording))
                .partSize(1 << 20)
                .multipartThreshold(1 << 20)
                .build()) {
            s.download(DownloadRequest.builder(server.url("/files/weights.bin"), dest)
                    .settings(CredentialSource.none())
                    .build());
        }
        assertThat(Files.readAllBytes(dest.resolve("weights.bin"))).isEqualTo(content);
        assertThat(recording.reads()).hasSize(4);
        List<HttpFixture.Request> gets = server.requests("GET", "/files/weights.bin");
        assertThat(gets).hasSize(4).allSatisfy(r -> {
            assertThat(r.header("Range")).startsWith("bytes=");
            assertThat(r.header("If-Match")).isEqualTo(HttpFixture.etagOf(content));
        });
    }

    @Test
    void rangedReadsReuseTheirConnection() throws Exception {
        byte[] content = bytes((2 << 20) + 1, 22);
        server.put("/files/reuse.bin", content);
        Path dest = temp.resolve("reuse");
        try (Storage s = storage()
                .concurrency(1)
                .partSize(256 << 10)
                .multipartThreshold(256 << 10)
                .build()) {
            s.download(DownloadRequest.builder(server.url("/files/reuse.bin"), dest)
                    .settings(CredentialSource.none())
                    .build());
        }
        assertThat(Files.readAllBytes(dest.resolve("reuse.bin"))).isEqualTo(content);
        List<HttpFixture.Request> all = server.requests();
        assertThat(all).hasSize(1 + 9);
        // the JDK client hands a connection back to its pool on its selector thread once a body ends, so on a busy
        // machine the next request may start before it is back and open one more: reuse means far fewer than ten
        assertThat(all.stream().map(HttpFixture.Request::clientPort).distinct().count())
                .as("HEAD and nine ranged GETs over kept-alive connections")
                .isLessThanOrEqualTo(2);
    }

    @Test
    void aFileChangedDuringTheDownloadIsAnIntegrityError() throws Exception {
        byte[] content = bytes(3 << 20, 8);
        server.put("/files/moving.bin", content);
        Path dest = temp.resolve("moving");
        AtomicBoolean replaced = new AtomicBoolean();
        TransferListener replacer = new TransferListener() {
            @Override
            public void bytes(long count) {
                if (replaced.compareAndSet(false, true)) {
                    server.put("/files/moving.bin", HttpProviderTest.bytes(3 << 20, 9));
                }
            }
        };
        try (Storage s = storage()
                .concurrency(1)
                .listener(replacer)
                .partSize(1 << 20)
                .multipartThreshold(1 << 20)
                .build()) {
            assertThatThrownBy(() -> s.download(DownloadRequest.builder(server.url("/files/moving.bin"), dest)
                            .settings(CredentialSource.none())
                            .build()))
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("412");
        }
        assertThat(files(dest)).isEmpty();
        assertThat(manifest(dest)).contains("\"complete\":false");
    }

    @Test
    void interruptedRunLeavesNoCompleteLookingModelAndARerunFinishes() throws Exception {
        byte[] content = bytes(2 << 20, 10);
        server.put("/files/big.bin", content);
        Path dest = temp.resolve("interrupted");
        TransferListener cutter = new TransferListener() {
            private int seen;

            @Override
            public synchronized void bytes(long count) {
                if (++seen == 3) {
                    throw new IllegalStateException("simulated crash");
                }
            }
        };
        try (Storage s = storage()
                .listener(cutter)
                .partSize(256 << 10)
                .multipartThreshold(256 << 10)
                .build()) {
            assertThatThrownBy(() -> s.download(DownloadRequest.builder(server.url("/files/big.bin"), dest)
                            .settings(CredentialSource.none())
                            .build()))
                    .isInstanceOf(TransferException.class)
                    .hasMessageContaining("simulated crash");
        }
        assertThat(files(dest)).isEmpty();
        assertThat(manifest(dest)).contains("\"complete\":false");
        download(server.url("/files/big.bin"), dest);
        assertThat(Files.readAllBytes(dest.resolve("big.bin"))).isEqualTo(content);
        assertThat(manifest(dest)).contains("\"complete\":true");
    }

    // ------------------------------------------------------------------ servers without ranges or HEAD

    @Test
    void aServerWithoutRangesIsReadAsOneStream() throws Exception {
        server.ranges = false;
        byte[] content = bytes(3 << 20, 11);
        server.put("/files/norange.bin", content);
        Path dest = temp.resolve("norange");
        try (Storage s = storage().partSize(1 << 20).multipartThreshold(1 << 20).build()) {
            s.download(DownloadRequest.builder(server.url("/files/norange.bin"), dest)
                    .settings(CredentialSource.none())
                    .build());
        }
        assertThat(Files.readAllBytes(dest.resolve("norange.bin"))).isEqualTo(content);
        List<HttpFixture.Request> gets = server.requests("GET", "/files/norange.bin");
        // the one-byte probe (answered with the whole file, cancelled) and the one download
        assertThat(gets).hasSize(2);
        assertThat(gets.get(1).header("Range")).isNull();
    }

    @Test
    void aCutConnectionWithoutRangesResumesBySkipping() throws Exception {
        server.ranges = false;
        byte[] content = bytes(3 << 20, 12);
        server.put("/files/cut.bin", content);
        server.cut("/files/cut.bin", 2); // the probe's GET and the first download GET are cut half-way
        Path dest = temp.resolve("cut");
        try (Storage s = storage().partSize(1 << 20).multipartThreshold(1 << 20).build()) {
            s.download(DownloadRequest.builder(server.url("/files/cut.bin"), dest)
                    .settings(CredentialSource.none())
                    .build());
        }
        assertThat(Files.readAllBytes(dest.resolve("cut.bin"))).isEqualTo(content);
        assertThat(server.requests("GET", "/files/cut.bin")).hasSize(3);
    }

    @Test
    void headRefusedFallsBackToAOneByteGet() throws Exception {
        server.refuseHead = true;
        byte[] content = bytes(70_000, 13);
        server.put("/files/nohead.bin", content);
        Path dest = temp.resolve("nohead");
        download(server.url("/files/nohead.bin"), dest);
        assertThat(Files.readAllBytes(dest.resolve("nohead.bin"))).isEqualTo(content);
        assertThat(server.requests("GET", "/files/nohead.bin").get(0).header("Range"))
                .isEqualTo("bytes=0-0");
    }

    @Test
    void transientServerErrorsAreRetried() throws Exception {
        server.put("/files/flaky.bin", bytes(100, 14));
        server.fail("/files/flaky.bin", 2);
        Path dest = temp.resolve("flaky");
        download(server.url("/files/flaky.bin"), dest);
        assertThat(Files.readAllBytes(dest.resolve("flaky.bin"))).isEqualTo(bytes(100, 14));
    }

    @Test
    void persistentServerErrorIsARetryableTransferError() {
        server.put("/files/down.bin", bytes(100, 15));
        server.fail("/files/down.bin", 1000);
        assertThatThrownBy(() -> download(server.url("/files/down.bin"), temp.resolve("down")))
                .isInstanceOf(TransferException.class)
                .hasMessageContaining("HTTP 503")
                .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isTrue());
    }

    // ------------------------------------------------------------------ headers, auth and redirects

    private static CredentialSource headers(String host, String json) {
        Map<String, String> m = new HashMap<>();
        m.put(host + "-headers", json);
        return CredentialSource.of(m);
    }

    @Test
    void perHostHeadersOpenAnAuthRequiredPath() throws Exception {
        server.put("/private/model.bin", bytes(2000, 16));
        server.require("/private/model.bin", "Authorization", "Bearer s3cret-token");
        Path dest = temp.resolve("auth");
        download(
                server.url("/private/model.bin"),
                dest,
                headers("127.0.0.1", "{\"Authorization\": \"Bearer s3cret-token\", \"X-Extra\": \"1\"}"));
        assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(bytes(2000, 16));
        assertThat(server.requests())
                .allSatisfy(r -> assertThat(r.header("X-Extra")).isEqualTo("1"));
    }

    @Test
    void missingOrWrongHeadersAreAccessDeniedWithoutTheSecret() throws Exception {
        server.put("/private/model.bin", bytes(2000, 16));
        server.require("/private/model.bin", "Authorization", "Bearer s3cret-token");
        String url = server.url("/private/model.bin");
        assertThatThrownBy(() -> download(url, temp.resolve("none")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageStartingWith(url)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("127.0.0.1-headers");
        assertThatThrownBy(() -> download(
                        url,
                        temp.resolve("wrong"),
                        headers("127.0.0.1", "{\"Authorization\": \"Bearer wrong-secret\"}")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("[Authorization]")
                .hasMessageNotContaining("wrong-secret");
        assertThat(files(temp.resolve("none"))).isEmpty();
    }

    @Test
    void malformedHeaderSettingIsAConfigurationErrorWithoutTheValue() {
        server.put("/files/a.bin", bytes(10, 1));
        assertThatThrownBy(() -> download(
                        server.url("/files/a.bin"),
                        temp.resolve("bad"),
                        headers("127.0.0.1", "{\"Authorization\": \"Bearer leaked")))
                .isInstanceOf(dev.storageinit.ConfigurationException.class)
                .hasMessageContaining("127.0.0.1-headers")
                .hasMessageNotContaining("leaked");
    }

    @Test
    void sameHostRedirectKeepsTheHeaders() throws Exception {
        server.put("/files/target.bin", bytes(3000, 17));
        server.redirect("/r/model.bin", "/files/target.bin");
        server.require("/files/target.bin", "Authorization", "Bearer s3cret-token");
        Path dest = temp.resolve("same");
        download(
                server.url("/r/model.bin"), dest, headers("127.0.0.1", "{\"Authorization\": \"Bearer s3cret-token\"}"));
        assertThat(files(dest)).containsExactly("model.bin");
        assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(bytes(3000, 17));
    }

    @Test
    void crossHostRedirectDropsTheHeaders() throws Exception {
        server.put("/cdn/blob", bytes(3000, 18));
        server.redirect("/r/model.bin", server.otherHostUrl("/cdn/blob"));
        Path dest = temp.resolve("cross");
        download(
                server.url("/r/model.bin"),
                dest,
                CredentialSource.of(Map.of(
                        "127.0.0.1-headers", "{\"Authorization\": \"Bearer s3cret-token\", \"X-Api-Key\": \"k1\"}",
                        "localhost-headers", "{\"X-Cdn-Key\": \"c1\"}")));
        assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(bytes(3000, 18));
        List<HttpFixture.Request> atOrigin = server.requests().stream()
                .filter(r -> r.rawPath().equals("/r/model.bin"))
                .toList();
        List<HttpFixture.Request> atCdn = server.requests().stream()
                .filter(r -> r.rawPath().equals("/cdn/blob"))
                .toList();
        assertThat(atOrigin).isNotEmpty().allSatisfy(r -> assertThat(r.header("Authorization"))
                .isNotNull());
        assertThat(atCdn).isNotEmpty().allSatisfy(r -> {
            assertThat(r.header("Host")).startsWith("localhost:");
            assertThat(r.header("Authorization")).isNull();
            assertThat(r.header("X-Api-Key")).isNull();
            assertThat(r.header("X-Cdn-Key"))
                    .as("the target host's own headers")
                    .isEqualTo("c1");
        });
        assertThat(atOrigin).allSatisfy(r -> assertThat(r.header("X-Cdn-Key")).isNull());
    }

    @Test
    void redirectToAnotherPortOfTheSameHostDropsTheHeaders() throws Exception {
        try (HttpFixture otherPort = new HttpFixture()) {
            otherPort.put("/cdn/blob3", bytes(700, 20));
            server.redirect("/r/port.bin", otherPort.url("/cdn/blob3"));
            Path dest = temp.resolve("port");
            download(
                    "http://alice:pw@127.0.0.1:" + server.port() + "/r/port.bin",
                    dest,
                    headers("127.0.0.1", "{\"Authorization\": \"Bearer s3cret-token\", \"X-Api-Key\": \"k1\"}"));
            assertThat(Files.readAllBytes(dest.resolve("port.bin"))).isEqualTo(bytes(700, 20));
            assertThat(server.requests().stream().filter(r -> r.rawPath().equals("/r/port.bin")))
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(r.header("X-Api-Key")).isEqualTo("k1"));
            assertThat(otherPort.requests()).isNotEmpty().allSatisfy(r -> {
                assertThat(r.header("Authorization")).isNull();
                assertThat(r.header("X-Api-Key")).isNull();
            });
        }
    }

    @Test
    void userinfoCredentialsAreBasicAuthAndDroppedAcrossHosts() throws Exception {
        server.put("/cdn/blob2", bytes(100, 19));
        server.redirect("/r/u.bin", server.otherHostUrl("/cdn/blob2"));
        Path dest = temp.resolve("userinfo");
        String url = "http://alice:pa%24s@127.0.0.1:" + server.port() + "/r/u.bin";
        download(url, dest);
        assertThat(server.requests("HEAD", "/r/u.bin").get(0).header("Authorization"))
                .isEqualTo("Basic " + java.util.Base64.getEncoder().encodeToString("alice:pa$s".getBytes()));
        assertThat(server.requests().stream().filter(r -> r.rawPath().equals("/cdn/blob2")))
                .allSatisfy(r -> assertThat(r.header("Authorization")).isNull());
    }

    @Test
    void anExpiredRedirectTargetIsResolvedAgain() throws Exception {
        byte[] content = bytes((2 << 20) + 5, 23);
        server.put("/signed/v1", content);
        server.redirect("/r/big.bin", "/signed/v1");
        Path dest = temp.resolve("expired");
        AtomicBoolean expired = new AtomicBoolean();
        TransferListener expirer = new TransferListener() {
            @Override
            public void bytes(long count) {
                if (expired.compareAndSet(false, true)) { // the signed URL expires, the origin now signs v2
                    server.put("/signed/v2", content);
                    server.redirect("/r/big.bin", "/signed/v2");
                    server.remove("/signed/v1");
                }
            }
        };
        try (Storage s = storage()
                .concurrency(1)
                .listener(expirer)
                .partSize(512 << 10)
                .multipartThreshold(512 << 10)
                .build()) {
            s.download(DownloadRequest.builder(server.url("/r/big.bin"), dest)
                    .settings(CredentialSource.none())
                    .build());
        }
        assertThat(Files.readAllBytes(dest.resolve("big.bin"))).isEqualTo(content);
        assertThat(server.requests("GET", "/signed/v1")).hasSize(2); // one part, then one 404
        assertThat(server.requests("GET", "/signed/v2")).hasSize(4); // the other parts, straight to v2
    }

    @Test
    void redirectLoopStopsAfterFive() {
        server.redirect("/loop/a", "/loop/b");
        server.redirect("/loop/b", "/loop/a");
        assertThatThrownBy(() -> download(server.url("/loop/a"), temp.resolve("loop")))
                .isInstanceOf(TransferException.class)
                .hasMessageContaining("more than 5 redirects");
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    void aStalledBodyTimesOutWithAClearError() throws Exception {
        server.put("/files/stall.bin", bytes(200_000, 20));
        server.stallBody("/files/stall.bin");
        Path dest = temp.resolve("stall");
        long started = System.nanoTime();
        try (Storage s = storage().maxAttempts(2).build()) {
            assertThatThrownBy(() -> s.download(DownloadRequest.builder(server.url("/files/stall.bin"), dest)
                            .settings(CredentialSource.of(Map.of("HTTP_READ_TIMEOUT", "1")))
                            .build()))
                    .isInstanceOf(TransferException.class)
                    .hasMessageContaining("no data from the server for 1 s (HTTP_READ_TIMEOUT)");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        assertThat(files(dest)).isEmpty();
        assertThat(manifest(dest)).contains("\"complete\":false");
    }

    @Test
    void aServerThatNeverAnswersTimesOut() {
        server.put("/files/silent.bin", bytes(10, 21));
        server.stallHeaders("/files/silent.bin");
        long started = System.nanoTime();
        assertThatThrownBy(() -> download(
                        server.url("/files/silent.bin"),
                        temp.resolve("silent"),
                        CredentialSource.of(Map.of("HTTP_READ_TIMEOUT", "0.5"))))
                .isInstanceOf(TransferException.class)
                .hasMessageContaining("no response within 0.5 s (HTTP_READ_TIMEOUT)");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }
}
