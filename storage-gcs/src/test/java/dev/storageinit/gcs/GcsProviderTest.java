package dev.storageinit.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.StorageOptions;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
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
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.testkit.Listings;
import dev.storageinit.testkit.gcs.GcsJsonApiServer;
import dev.storageinit.testkit.gcs.ServiceAccountKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** What the conformance suite does not cover: credentials, endpoints, error mapping, checksums, pinning. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GcsProviderTest {
    private static final String EMAIL = "reader@fixture-project.iam.gserviceaccount.com";

    GcsJsonApiServer server;
    GcsJsonApiServer.Bucket open;
    GcsJsonApiServer.Bucket locked;
    Path keys;
    Path trustedKey;

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws IOException {
        server = GcsJsonApiServer.start();
        open = server.bucket("public-models");
        locked = server.bucket("private-models").requireToken(true);
        keys = Files.createTempDirectory("gcs-keys");
        trustedKey = ServiceAccountKeys.trusted(server, keys, EMAIL);
        open.put("llama/config.json", text("{\"public\":true}"));
        open.put("llama/weights/model.bin", bytes(300_000, 1));
        locked.put("llama/config.json", text("{\"private\":true}"));
        locked.put("llama/weights/model.bin", bytes(200_000, 2));
        for (int i = 0; i < 8; i++) {
            locked.put("shards/shard-" + i + ".bin", bytes(50_000, 10 + i));
        }
    }

    @AfterAll
    void stop() throws IOException {
        server.close();
        try (Stream<Path> s = Files.list(keys)) {
            for (Path p : s.collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
        Files.delete(keys);
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    Map<String, String> emulator(String... more) {
        Map<String, String> m = new HashMap<>();
        m.put("STORAGE_EMULATOR_HOST", server.endpoint());
        for (int i = 0; i < more.length; i += 2) {
            m.put(more[i], more[i + 1]);
        }
        return m;
    }

    DownloadResult download(String uri, Path dest, Map<String, String> settings) throws StorageException {
        try (Storage s = Storage.builder()
                .concurrency(4)
                .maxAttempts(2)
                .retryBackoff(Duration.ofMillis(10))
                .build()) {
            return s.download(DownloadRequest.builder(uri, dest)
                    .settings(CredentialSource.of(settings))
                    .build());
        }
    }

    static List<String> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith(".storage-initializer"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    ObjectSource source(String uri, Map<String, String> settings) throws StorageException {
        return new GcsProvider().open(ModelUri.parse(uri), new SourceContext(CredentialSource.of(settings), 4));
    }

    // ------------------------------------------------------------------ credentials

    @Test
    void publicBucketIsReadAnonymouslyWhenNothingIsConfigured() throws Exception {
        Path dest = temp.resolve("anon");
        List<String> log = captureLog(() -> download("gs://public-models/llama", dest, emulator()));
        assertThat(files(dest)).containsExactly("config.json", "weights/model.bin");
        assertThat(Files.readAllBytes(dest.resolve("weights/model.bin"))).isEqualTo(bytes(300_000, 1));
        assertThat(log)
                .anySatisfy(
                        l -> assertThat(l).contains("credentials: anonymous").contains("STORAGE_EMULATOR_HOST"));
    }

    @Test
    void tokenRequiredBucketRefusesAnonymousNamingTheCredentialSource() {
        Path dest = temp.resolve("anon-denied");
        assertThatThrownBy(() -> download("gs://private-models/llama", dest, emulator()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageStartingWith("gs://private-models/llama: ")
                .hasMessageContaining("401")
                .hasMessageContaining("anonymous");
        assertThat(dest.resolve("config.json")).doesNotExist();
    }

    @Test
    void serviceAccountKeyFileGetsATokenFromTheTokenUri() throws Exception {
        int before = server.tokenRequests();
        Path dest = temp.resolve("sa");
        List<String> log = captureLog(() -> download(
                "gs://private-models/llama", dest, emulator("GOOGLE_APPLICATION_CREDENTIALS", trustedKey.toString())));
        assertThat(files(dest)).containsExactly("config.json", "weights/model.bin");
        assertThat(Files.readString(dest.resolve("config.json"))).isEqualTo("{\"private\":true}");
        assertThat(server.tokenRequests()).isGreaterThan(before);
        assertThat(log).anySatisfy(l -> assertThat(l)
                .contains("credentials file " + trustedKey)
                .contains("GOOGLE_APPLICATION_CREDENTIALS"));
        assertThat(String.join("\n", log)).doesNotContain("PRIVATE KEY").doesNotContain("ya29.");
    }

    @Test
    void aTokenRevokedDuringTheDownloadIsRefreshedOnceAndTheReadsGoOn() throws Exception {
        Map<String, String> env = emulator("GOOGLE_APPLICATION_CREDENTIALS", trustedKey.toString());
        int before = server.tokenRequests();
        download("gs://private-models/shards", temp.resolve("plain"), env);
        int plain = server.tokenRequests() - before;

        // eight files read four at a time; the reads sent with the revoked token are refused after the first read
        // refreshed it, and go on with that new token instead of asking for one each
        server.revokeIssuedTokensAtNextMedia().refuseRevokedTokensLate(300);
        before = server.tokenRequests();
        Path dest = temp.resolve("revoked");
        try {
            download("gs://private-models/shards", dest, env);
        } finally {
            server.refuseRevokedTokensLate(0);
        }
        assertThat(files(dest)).hasSize(8);
        for (int i = 0; i < 8; i++) {
            assertThat(Files.readAllBytes(dest.resolve("shard-" + i + ".bin"))).isEqualTo(bytes(50_000, 10 + i));
        }
        assertThat(server.tokenRequests() - before).isEqualTo(plain + 1); // the one refresh
    }

    @Test
    void rcloneInlineServiceAccountCredentialsWinOverGoogleApplicationCredentials() throws Exception {
        String json = Files.readString(trustedKey);
        Path dest = temp.resolve("inline");
        List<String> log = captureLog(() -> download(
                "gs://private-models/llama",
                dest,
                emulator(
                        "RCLONE_CONFIG_GS_TYPE",
                        "google cloud storage",
                        "RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS",
                        json,
                        "GOOGLE_APPLICATION_CREDENTIALS",
                        temp.resolve("not-there.json").toString())));
        assertThat(files(dest)).containsExactly("config.json", "weights/model.bin");
        assertThat(log).anySatisfy(l -> assertThat(l).contains("RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS"));
        assertThat(String.join("\n", log)).doesNotContain("PRIVATE KEY");
        GcsSettings parsed = GcsSettings.parse(
                ModelUri.parse("gs://private-models/llama"),
                CredentialSource.of(Map.of(
                        "RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS",
                        json,
                        "RCLONE_CONFIG_GS_ACCESS_TOKEN",
                        "ya29.secret")));
        assertThat(parsed.toString())
                .doesNotContain("PRIVATE KEY")
                .doesNotContain("ya29.secret")
                .contains("RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS");
    }

    @Test
    void rcloneServiceAccountFileAndAnonymousFlag() throws Exception {
        Path dest = temp.resolve("rclone-file");
        download(
                "gs://private-models/llama",
                dest,
                emulator(
                        "RCLONE_CONFIG_GS_TYPE",
                        "google cloud storage",
                        "RCLONE_CONFIG_GS_SERVICE_ACCOUNT_FILE",
                        trustedKey.toString()));
        assertThat(files(dest)).containsExactly("config.json", "weights/model.bin");

        Map<String, String> anonymous = emulator(
                "RCLONE_CONFIG_GS_TYPE", "google cloud storage",
                "RCLONE_CONFIG_GS_ANONYMOUS", "true",
                "GOOGLE_APPLICATION_CREDENTIALS", trustedKey.toString());
        download("gs://public-models/llama", temp.resolve("rclone-anon"), anonymous);
        assertThatThrownBy(() -> download("gs://private-models/llama", temp.resolve("rclone-anon-denied"), anonymous))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("anonymous (RCLONE_CONFIG_GS_ANONYMOUS (settings map))");
    }

    @Test
    void untrustedServiceAccountKeyIsAccessDenied() throws Exception {
        Path other = keys.resolve("untrusted.json");
        Files.writeString(
                other,
                ServiceAccountKeys.json(
                        "intruder@elsewhere.iam.gserviceaccount.com", ServiceAccountKeys.rsa(), server.tokenUri()));
        assertThatThrownBy(() -> download(
                        "gs://private-models/llama",
                        temp.resolve("untrusted"),
                        emulator("GOOGLE_APPLICATION_CREDENTIALS", other.toString())))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("token endpoint refused")
                .hasMessageContaining(other.toString())
                .hasMessageNotContaining("PRIVATE KEY");
    }

    @Test
    void validTokenWithoutPermissionIs403AccessDenied() throws Exception {
        server.acceptToken("ya29.valid-elsewhere");
        server.bucket("team-models").allowTokens(Set.of("ya29.team-token")).put("m/a.txt", text("a"));
        assertThatThrownBy(() -> download(
                        "gs://team-models/m",
                        temp.resolve("forbidden"),
                        emulator("RCLONE_CONFIG_GS_ACCESS_TOKEN", "ya29.valid-elsewhere")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("403")
                .hasMessageContaining("access token in RCLONE_CONFIG_GS_ACCESS_TOKEN")
                .hasMessageNotContaining("ya29.valid-elsewhere");
    }

    @Test
    void missingCredentialsFileIsAConfigurationErrorNamingIt() {
        Path missing = temp.resolve("secrets/missing-key.json");
        assertThatThrownBy(() -> download(
                        "gs://private-models/llama",
                        temp.resolve("missing-key"),
                        emulator("GOOGLE_APPLICATION_CREDENTIALS", missing.toString())))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("gs://private-models/llama: ")
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist")
                .hasMessageContaining("GOOGLE_APPLICATION_CREDENTIALS");
    }

    @Test
    void malformedCredentialsFilesAreConfigurationErrorsNamingThem() throws Exception {
        Map<String, String> bad = Map.of(
                "not-json.json", "this is not json, SECRET-CONTENT",
                "no-type.json", "{\"client_email\": \"x@y\", \"private_key\": \"SECRET-CONTENT\"}",
                "truncated.json", "{\"type\": \"service_account\", \"private_key\": \"SECRET-CONT",
                "bad-key.json",
                        "{\"type\": \"service_account\", \"client_email\": \"a@b.iam.gserviceaccount.com\","
                                + " \"client_id\": \"1\", \"private_key_id\": \"k\", \"token_uri\": \""
                                + server.tokenUri()
                                + "\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nSECRET-CONTENT\\n"
                                + "-----END PRIVATE KEY-----\\n\"}");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Path file = keys.resolve(e.getKey());
            Files.writeString(file, e.getValue());
            assertThatThrownBy(() -> download(
                            "gs://private-models/llama",
                            temp.resolve("bad-" + e.getKey()),
                            emulator("GOOGLE_APPLICATION_CREDENTIALS", file.toString())))
                    .as(e.getKey())
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageNotContaining("SECRET-CONTENT");
        }
    }

    // ------------------------------------------------------------------ endpoints and URIs

    @Test
    void gcsEndpointWinsOverStorageEmulatorHost() throws Exception {
        Path dest = temp.resolve("endpoint");
        download(
                "gs://public-models/llama",
                dest,
                Map.of("STORAGE_EMULATOR_HOST", "127.0.0.1:1", "GCS_ENDPOINT", server.endpoint() + "/"));
        assertThat(files(dest)).containsExactly("config.json", "weights/model.bin");
    }

    @Test
    void emulatorHostWithoutSchemeMeansHttp() throws Exception {
        Path dest = temp.resolve("noscheme");
        download(
                "gs://public-models/llama/config.json",
                dest,
                Map.of("STORAGE_EMULATOR_HOST", server.endpoint().substring("http://".length())));
        assertThat(files(dest)).containsExactly("config.json");
    }

    @Test
    void rcloneRemoteOfTypeGoogleCloudStorage() throws Exception {
        Map<String, String> settings = Map.of(
                "RCLONE_CONFIG_MYGCS_TYPE", "google cloud storage",
                "RCLONE_CONFIG_MYGCS_ENDPOINT", server.endpoint(),
                "RCLONE_CONFIG_MYGCS_SERVICE_ACCOUNT_FILE", trustedKey.toString());
        assertThat(claims("mygcs://private-models/llama", CredentialSource.of(settings)))
                .isTrue();
        Path dest = temp.resolve("remote");
        download("mygcs://private-models/llama", dest, settings);
        assertThat(files(dest)).containsExactly("config.json", "weights/model.bin");
    }

    /** Whether GCS gets {@code uri}: the registry claims rclone remotes by the providers' rcloneTypes(). */
    private static boolean claims(String uri, CredentialSource settings) {
        StorageProvider p = new GcsProvider();
        try {
            return dev.storageinit.internal.ProviderRegistry.of(List.of(p)).select(ModelUri.parse(uri), settings) == p;
        } catch (dev.storageinit.InvalidUriException e) {
            return false;
        } catch (ConfigurationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void matchClaimsGsAndGcsRemotesOnly() throws Exception {
        CredentialSource none = CredentialSource.none();
        assertThat(claims("gs://b/x", none)).isTrue();
        assertThat(claims("s3://b/x", none)).isFalse();
        assertThat(claims("https://storage.googleapis.com/b/x", none)).isFalse();
        assertThat(claims("/mnt/models", none)).isFalse();
        assertThat(claims("gs://b/x", CredentialSource.of(Map.of("RCLONE_CONFIG_GS_TYPE", "s3"))))
                .as("an rclone remote named gs of another type is not ours")
                .isFalse();
        assertThat(claims("gs://b/x", CredentialSource.of(Map.of("RCLONE_CONFIG_GS_TYPE", "gcs"))))
                .isTrue();
        assertThat(claims(
                        "my-remote://b/x",
                        CredentialSource.of(Map.of("RCLONE_CONFIG_MY_REMOTE_TYPE", "Google Cloud Storage"))))
                .isTrue();
        assertThat(claims("minio://b/x", CredentialSource.of(Map.of("RCLONE_CONFIG_MINIO_TYPE", "s3"))))
                .isFalse();
    }

    @Test
    void badBucketNamesAndEndpointsAreRefusedClearly() {
        assertThatThrownBy(() -> source("gs://Upper_Case/x", emulator()))
                .isInstanceOf(InvalidUriException.class)
                .hasMessageContaining("expected gs://<bucket>/<path>");
        assertThatThrownBy(() -> source("gs://public-models/x", Map.of("GCS_ENDPOINT", "ftp://example.com")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("GCS_ENDPOINT");
    }

    @Test
    void missingBucketIsNotFoundAndUnreachableEndpointIsRetryable() {
        assertThatThrownBy(() -> download("gs://no-such-bucket/llama", temp.resolve("nobucket"), emulator()))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("404");
        assertThatThrownBy(() -> download(
                        "gs://public-models/llama",
                        temp.resolve("dead"),
                        Map.of("STORAGE_EMULATOR_HOST", "127.0.0.1:1")))
                .isInstanceOf(TransferException.class)
                .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isTrue());
    }

    // ------------------------------------------------------------------ integrity, pinning, faults

    @Test
    void listedObjectsCarryGenerationAndCrc32c() throws Exception {
        byte[] content = text("checksummed");
        GcsJsonApiServer.StoredObject stored = open.put("sums/a.txt", content);
        try (ObjectSource src = source("gs://public-models/sums", emulator())) {
            List<RemoteObject> listed = new ArrayList<>();
            listed.addAll(Listings.all(src, "sums/"));
            assertThat(listed).hasSize(1);
            RemoteObject o = listed.get(0);
            assertThat(o.size()).isEqualTo(content.length);
            assertThat(o.version()).isEqualTo(Long.toString(stored.generation()));
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(content);
            assertThat(o.checksums())
                    .containsExactly(
                            Checksum.ofHex(Checksum.Algorithm.CRC32C, String.format("%08x", crc.getValue())),
                            Checksum.ofHex(
                                    Checksum.Algorithm.MD5,
                                    java.util.HexFormat.of()
                                            .formatHex(java.security.MessageDigest.getInstance("MD5")
                                                    .digest(content))));
            assertThat(src.stat("sums/a.txt")).contains(o);
            assertThat(src.stat("sums/missing.txt")).isEmpty();
        }
    }

    @Test
    void corruptedBytesAreAnIntegrityErrorAndNothingIsPublished() throws Exception {
        open.put("corrupt/config.json", text("{}"));
        open.put("corrupt/weights.bin", bytes(100_000, 3));
        Path dest = temp.resolve("corrupt");
        server.corruptDownloads(true);
        try {
            assertThatThrownBy(() -> download("gs://public-models/corrupt", dest, emulator()))
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("CRC32C mismatch");
        } finally {
            server.corruptDownloads(false);
        }
        assertThat(files(dest)).isEmpty();
        // and the same objects download fine once the server serves them intact
        download("gs://public-models/corrupt", dest, emulator());
        assertThat(files(dest)).containsExactly("config.json", "weights.bin");
    }

    /** A download in 1 MiB ranges (objects above 1 MiB), through {@code endpoint}. */
    DownloadResult downloadRanged(String uri, Path dest, Map<String, String> settings) throws StorageException {
        try (Storage s = Storage.builder()
                .concurrency(4)
                .partSize(1 << 20)
                .multipartThreshold(1 << 20)
                .retryBackoff(Duration.ofMillis(10))
                .build()) {
            return s.download(DownloadRequest.builder(uri, dest)
                    .settings(CredentialSource.of(settings))
                    .build());
        }
    }

    @Test
    void aBitFlippedInOneRangeOfARangedObjectIsCaughtByItsCombinedCrc32cAndTheFileFetchedAgain() throws Exception {
        byte[] content = bytes((5 << 20) + 7, 8);
        open.put("ranged/weights.bin", content);
        try (dev.storageinit.testkit.FaultProxy proxy = new dev.storageinit.testkit.FaultProxy(
                java.net.URI.create(server.endpoint()).getPort())) {
            Path once = temp.resolve("ranged-once");
            proxy.flipBits(1, 4);
            downloadRanged("gs://public-models/ranged", once, Map.of("STORAGE_EMULATOR_HOST", proxy.endpoint()));
            assertThat(proxy.flipsDone()).isEqualTo(1);
            assertThat(Files.readAllBytes(once.resolve("weights.bin"))).isEqualTo(content);

            for (String md5 : List.of("auto", "never")) { // never: MD5s are skipped, the CRC32C is still verified
                Path every = temp.resolve("ranged-every-" + md5);
                proxy.flipBits(Integer.MAX_VALUE, 5);
                assertThatThrownBy(() -> downloadRanged(
                                "gs://public-models/ranged",
                                every,
                                Map.of("STORAGE_EMULATOR_HOST", proxy.endpoint(), "STORAGE_VERIFY_MD5", md5)))
                        .isInstanceOf(IntegrityException.class)
                        .hasMessageContaining("weights.bin: CRC32C mismatch")
                        .hasMessageContaining("(after 3 downloads); not published");
                assertThat(files(every)).isEmpty();
            }
        }
    }

    @Test
    void theMd5IsVerifiedTooWithStorageVerifyMd5Always() throws Exception {
        byte[] content = bytes(3 << 20, 5);
        byte[] small = text("small");
        String wrongMd5 = java.util.Base64.getEncoder().encodeToString(new byte[16]);
        open.putAdvertisingMd5("badmd5/w.bin", content, wrongMd5);
        open.putAdvertisingMd5("badmd5/s.txt", small, wrongMd5);
        Map<String, String> verifyMd5 = emulator("STORAGE_VERIFY_MD5", "always");
        Path dest = temp.resolve("badmd5");
        assertThatThrownBy(() -> download("gs://public-models/badmd5", dest, verifyMd5))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("MD5 mismatch: store says 00000000000000000000000000000000");
        assertThat(files(dest)).isEmpty();

        download("gs://public-models/badmd5", dest, emulator()); // by default the CRC32C alone is checked
        assertThat(Files.readAllBytes(dest.resolve("w.bin"))).isEqualTo(content);
    }

    @Test
    void readsArePinnedToTheListedGeneration() throws Exception {
        GcsJsonApiServer.StoredObject first = open.put("pinned/w.bin", bytes(10_000, 4));
        try (ObjectSource src = source("gs://public-models/pinned", emulator())) {
            RemoteObject listed = src.stat("pinned/w.bin").orElseThrow();
            try (InputStream in = src.read(listed, 100, 50)) {
                assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(bytes(10_000, 4), 100, 150));
            }
            assertThat(server.mediaQueries().get(server.mediaQueries().size() - 1))
                    .contains("ifGenerationMatch=" + first.generation());
            open.put("pinned/w.bin", bytes(10_000, 5)); // overwritten: a new generation
            assertThatThrownBy(() -> {
                        try (InputStream in = src.read(listed, 0, 10_000)) {
                            in.readAllBytes();
                        }
                    })
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("412");
        }
    }

    @Test
    void serverErrorsAndThrottlingAreRetried() throws Exception {
        open.put("flaky/a.bin", bytes(50_000, 6));
        Path dest = temp.resolve("flaky");
        server.failNextMedia(1, 503); // the test's engine makes 2 attempts per range
        download("gs://public-models/flaky", dest, emulator());
        assertThat(Files.readAllBytes(dest.resolve("a.bin"))).isEqualTo(bytes(50_000, 6));

        try (ObjectSource src = source("gs://public-models/flaky", emulator())) {
            RemoteObject o = src.stat("flaky/a.bin").orElseThrow();
            for (int status : new int[] {429, 503}) {
                server.failNextMedia(1000, status);
                try {
                    assertThatThrownBy(() -> {
                                try (InputStream in = src.read(o, 0, o.size())) {
                                    in.readAllBytes();
                                }
                            })
                            .isInstanceOf(TransferException.class)
                            .hasMessageContaining(Integer.toString(status))
                            .satisfies(e -> assertThat(((StorageException) e).isRetryable())
                                    .isTrue());
                } finally {
                    server.failNextMedia(0, 503);
                }
            }
        }
    }

    // ------------------------------------------------------------------ the fixture itself, through the client

    @Test
    void fixtureListsWithDelimiterAndPagesOfAtMostAThousand() {
        GcsJsonApiServer.Bucket b = server.bucket("paging");
        for (int i = 0; i < 2345; i++) {
            b.put("deep/d" + (i % 3) + "/f" + i, text("x"));
        }
        b.put("deep/top.txt", text("t"));
        com.google.cloud.storage.Storage client = StorageOptions.http()
                .setHost(server.endpoint())
                .setProjectId("test")
                .setCredentials(NoCredentials.getInstance())
                .build()
                .getService();
        List<String> dirs = new ArrayList<>();
        for (Blob blob : client.list("paging", BlobListOption.prefix("deep/"), BlobListOption.currentDirectory())
                .iterateAll()) {
            dirs.add(blob.getName() + (blob.isDirectory() ? " (dir)" : ""));
        }
        assertThat(dirs)
                .containsExactlyInAnyOrder("deep/d0/ (dir)", "deep/d1/ (dir)", "deep/d2/ (dir)", "deep/top.txt");

        var page = client.list("paging", BlobListOption.prefix("deep/"), BlobListOption.pageSize(5000));
        int pages = 0;
        int total = 0;
        while (page != null) {
            pages++;
            int n = 0;
            for (Blob ignored : page.getValues()) {
                n++;
            }
            assertThat(n).isLessThanOrEqualTo(1000);
            total += n;
            page = page.hasNextPage() ? page.getNextPage() : null;
        }
        assertThat(total).isEqualTo(2346);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void fixtureServesRangedMediaToTheClientsReadChannel() throws Exception {
        byte[] content = bytes(70_000, 9);
        GcsJsonApiServer.StoredObject stored = server.bucket("media").put("dir/obj #1.bin", content);
        com.google.cloud.storage.Storage client = StorageOptions.http()
                .setHost(server.endpoint())
                .setProjectId("test")
                .setCredentials(NoCredentials.getInstance())
                .build()
                .getService();
        com.google.cloud.storage.BlobId id = com.google.cloud.storage.BlobId.of("media", "dir/obj #1.bin");
        try (com.google.cloud.ReadChannel ch = client.reader(
                id, com.google.cloud.storage.Storage.BlobSourceOption.generationMatch(stored.generation()))) {
            ch.seek(1000);
            ch.limit(51_000);
            byte[] got = java.nio.channels.Channels.newInputStream(ch).readAllBytes();
            assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(content, 1000, 51_000));
        }
        assertThat(client.readAllBytes(id)).isEqualTo(content);
        Blob meta = client.get(id);
        assertThat(meta.getSize()).isEqualTo(70_000L);
        assertThat(meta.getCrc32c()).isEqualTo(GcsJsonApiServer.crc32c(content));
        assertThat(meta.getMd5()).isEqualTo(GcsJsonApiServer.md5(content));
        assertThat(meta.getGeneration()).isEqualTo(stored.generation());
        assertThatThrownBy(() -> client.readAllBytes(
                        id, com.google.cloud.storage.Storage.BlobSourceOption.generationMatch(stored.generation() + 1)))
                .isInstanceOf(com.google.cloud.storage.StorageException.class)
                .satisfies(e -> assertThat(((com.google.cloud.storage.StorageException) e).getCode())
                        .isEqualTo(412));
    }

    // ------------------------------------------------------------------ helpers

    interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action} and returns what the provider logged meanwhile. */
    static List<String> captureLog(Action action) throws Exception {
        Logger logger = Logger.getLogger("dev.storageinit.gcs");
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String m = r.getMessage();
                if (r.getParameters() != null) {
                    m = java.text.MessageFormat.format(m, r.getParameters());
                }
                lines.add(r.getLevel() + " " + m);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(h);
        try {
            action.run();
        } finally {
            logger.removeHandler(h);
        }
        return lines;
    }
}
