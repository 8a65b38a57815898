package dev.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.ModelUri;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.testkit.FaultProxy;
import dev.storageinit.testkit.Listings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/** S3-specific behaviour beyond the conformance suite, against the shared s3proxy. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ProviderTest {
    private S3ProxyServer server;
    private S3Fixture store;
    private final Map<String, byte[]> model = new HashMap<>();

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws Exception {
        server = S3ProxyServer.shared();
        store = new S3Fixture(server);
        model.put("model/config.json", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        model.put("model/weights/w.bin", bytes(3 << 20, 1));
        for (int i = 0; i < 20; i++) {
            model.put("model/tok/f" + i + ".txt", ("token " + i).getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, byte[]> e : model.entrySet()) {
            store.put(e.getKey(), e.getValue());
        }
    }

    @AfterAll
    void stop() {
        store.close();
    }

    static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private DownloadResult download(String uri, Path dest, Map<String, String> env) throws StorageException {
        try (Storage s = Storage.builder()
                .concurrency(4)
                .partSize(1 << 20)
                .multipartThreshold(1 << 20)
                .retryBackoff(java.time.Duration.ofMillis(20))
                .build()) {
            return s.download(DownloadRequest.builder(uri, dest)
                    .settings(CredentialSource.of(env))
                    .build());
        }
    }

    private void assertModel(Path dest) throws IOException {
        List<String> files;
        try (Stream<Path> walk = Files.walk(dest)) {
            files = walk.filter(Files::isRegularFile)
                    .map(p -> dest.relativize(p).toString())
                    .filter(p -> !p.startsWith(".storage-initializer"))
                    .sorted()
                    .collect(Collectors.toList());
        }
        assertThat(files)
                .containsExactlyInAnyOrderElementsOf(model.keySet().stream()
                        .map(k -> k.substring("model/".length()))
                        .collect(Collectors.toList()));
        for (Map.Entry<String, byte[]> e : model.entrySet()) {
            assertThat(Files.readAllBytes(dest.resolve(e.getKey().substring("model/".length()))))
                    .as(e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    // ------------------------------------------------------------------ both credential conventions

    @Test
    void kserveStyleEnvironmentDownloadsTheModel() throws Exception {
        download(store.uri("model"), temp.resolve("kserve"), S3Fixture.kserveEnv(server));
        assertModel(temp.resolve("kserve"));
    }

    @Test
    void kserveS3EndpointWithoutSchemeAndUseHttpsOff() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", S3ProxyServer.IDENTITY);
        env.put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.CREDENTIAL);
        env.put("S3_ENDPOINT", "127.0.0.1:" + server.port);
        env.put("S3_USE_HTTPS", "0");
        download(store.uri("model"), temp.resolve("s3endpoint"), env);
        assertModel(temp.resolve("s3endpoint"));
    }

    @Test
    void kserveFileConcurrencyIsAcceptedAsABound() throws Exception {
        Map<String, String> env = S3Fixture.kserveEnv(server);
        env.put("S3_MAX_FILE_CONCURRENCY", "1");
        download(store.uri("model"), temp.resolve("one-at-a-time"), env);
        assertModel(temp.resolve("one-at-a-time"));
        env.put("S3_MAX_FILE_CONCURRENCY", "0");
        assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("zero"), env))
                .isInstanceOf(dev.storageinit.ConfigurationException.class)
                .hasMessage(store.uri("model")
                        + ": S3_MAX_FILE_CONCURRENCY (settings map) must be a whole number >= 1, got '0'");
    }

    @Test
    void rcloneStyleEnvironmentDownloadsTheSameModel() throws Exception {
        download(store.uri("model"), temp.resolve("rclone"), S3Fixture.rcloneEnv(server, "s3"));
        assertModel(temp.resolve("rclone"));
    }

    @Test
    void customRcloneRemoteName() throws Exception {
        Map<String, String> env = S3Fixture.rcloneEnv(server, "minio");
        String uri = "minio://" + store.bucket + "/model";
        // the registry claims rclone remotes by the providers' rcloneTypes()
        StorageProvider p = new S3Provider();
        dev.storageinit.internal.ProviderRegistry registry = dev.storageinit.internal.ProviderRegistry.of(List.of(p));
        assertThat(registry.select(ModelUri.parse(uri), CredentialSource.of(env)))
                .isSameAs(p);
        assertThatThrownBy(() -> registry.select(ModelUri.parse(uri), CredentialSource.none()))
                .isInstanceOf(dev.storageinit.InvalidUriException.class);
        Map<String, String> gcsRemote = Map.of("RCLONE_CONFIG_MINIO_TYPE", "google cloud storage");
        assertThatThrownBy(() -> registry.select(ModelUri.parse(uri), CredentialSource.of(gcsRemote)))
                .isInstanceOf(dev.storageinit.InvalidUriException.class);
        download(uri, temp.resolve("minio"), env);
        assertModel(temp.resolve("minio"));
    }

    @Test
    void rcloneRemoteWinsOverKserveVariablesForItsOwnFields() throws Exception {
        Map<String, String> env = S3Fixture.rcloneEnv(server, "s3");
        env.put("AWS_ACCESS_KEY_ID", "kserve-key-that-s3proxy-refuses");
        env.put("AWS_SECRET_ACCESS_KEY", "kserve-secret");
        env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:1"); // nothing listens there
        download(store.uri("model"), temp.resolve("precedence"), env);
        assertModel(temp.resolve("precedence"));
    }

    // ------------------------------------------------------------------ credentials refused

    @Test
    void wrongSecretIsAccessDeniedNamingTheCredentialSource() throws Exception {
        Map<String, String> env = S3Fixture.rcloneEnv(server, "s3");
        env.put("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", "definitely-wrong-secret");
        assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("wrong"), env))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageStartingWith(store.uri("model") + ": ")
                .hasMessageContaining(
                        "RCLONE_CONFIG_S3_ACCESS_KEY_ID/RCLONE_CONFIG_S3_SECRET_ACCESS_KEY (settings map)")
                .hasMessageContaining("SignatureDoesNotMatch")
                .satisfies(e -> assertThat(messages(e)).doesNotContain("definitely-wrong-secret"));
    }

    @Test
    void unknownAccessKeyIsAccessDenied() throws Exception {
        Map<String, String> env = S3Fixture.kserveEnv(server);
        env.put("AWS_ACCESS_KEY_ID", "nobody");
        assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("nobody"), env))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (settings map)");
    }

    @Test
    void anonymousAccessToAPublicBucketReadsUnsigned() throws Exception {
        try (S3Fixture open =
                new S3Fixture(server, "public-" + ProcessHandle.current().pid())) {
            open.admin.putBucketAcl(b -> b.bucket(open.bucket).acl(BucketCannedACL.PUBLIC_READ));
            byte[] weights = bytes(2 << 20, 15);
            Map<String, byte[]> objects =
                    Map.of("m/config.json", "{}".getBytes(StandardCharsets.UTF_8), "m/w.bin", weights);
            objects.forEach((key, content) -> open.admin.putObject(
                    b -> b.bucket(open.bucket).key(key).acl(ObjectCannedACL.PUBLIC_READ),
                    RequestBody.fromBytes(content)));
            try (FaultProxy proxy = new FaultProxy(server.port)) {
                Map<String, String> env = new HashMap<>();
                env.put("awsAnonymousCredential", "true");
                env.put("AWS_ENDPOINT_URL", proxy.endpoint());
                download(open.uri("m"), temp.resolve("public"), env);
                assertThat(proxy.requestHeads()).isNotEmpty().allSatisfy(h -> assertThat(h.toLowerCase())
                        .doesNotContain("authorization:"));
            }
            assertThat(Files.readAllBytes(temp.resolve("public/w.bin"))).isEqualTo(weights);
        }
    }

    @Test
    void anonymousAccessToAPrivateBucketIsAccessDenied() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("awsAnonymousCredential", "true");
        env.put("AWS_ENDPOINT_URL", server.endpoint());
        assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("anon"), env))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("anonymous (awsAnonymousCredential (settings map))");
    }

    @Test
    void rcloneRemoteWithoutKeysIsAnonymousLikeRclone() throws Exception {
        Map<String, String> env = S3Fixture.rcloneEnv(server, "s3");
        env.remove("RCLONE_CONFIG_S3_ACCESS_KEY_ID");
        env.remove("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY");
        assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("rclone-anon"), env))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("anonymous (rclone remote 's3' has no ACCESS_KEY_ID and ENV_AUTH is not true");
    }

    @Test
    void rcloneEnvAuthFallsBackToKserveVariables() throws Exception {
        Map<String, String> env = S3Fixture.rcloneEnv(server, "s3");
        env.remove("RCLONE_CONFIG_S3_ACCESS_KEY_ID");
        env.remove("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY");
        env.put("RCLONE_CONFIG_S3_ENV_AUTH", "true");
        env.put("AWS_ACCESS_KEY_ID", S3ProxyServer.IDENTITY);
        env.put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.CREDENTIAL);
        download(store.uri("model"), temp.resolve("envauth"), env);
        assertModel(temp.resolve("envauth"));
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t).append('\n');
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ logging

    @Test
    void logsWhichSourceWasUsedButNeverTheSecret() throws Exception {
        List<String> lines = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger jul = Logger.getLogger("dev.storageinit.s3");
        jul.addHandler(h);
        try {
            download(
                    "minio://" + store.bucket + "/model/config.json",
                    temp.resolve("log"),
                    S3Fixture.rcloneEnv(server, "minio"));
        } finally {
            jul.removeHandler(h);
        }
        assertThat(String.join("\n", lines))
                .contains("RCLONE_CONFIG_MINIO_ACCESS_KEY_ID/RCLONE_CONFIG_MINIO_SECRET_ACCESS_KEY (settings map)")
                .contains("RCLONE_CONFIG_MINIO_ENDPOINT")
                .doesNotContain(S3ProxyServer.CREDENTIAL);
    }

    // ------------------------------------------------------------------ requests on the wire

    @Test
    void pathStyleRangesAndIfMatchOnTheWire() throws Exception {
        byte[] big = bytes((5 << 20) + 17, 5);
        store.put("wire/big.bin", big);
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            Map<String, String> env = S3Fixture.kserveEnv(server);
            env.put("AWS_ENDPOINT_URL", proxy.endpoint());
            download(store.uri("wire/big.bin"), temp.resolve("wire"), env);
            assertThat(Files.readAllBytes(temp.resolve("wire/big.bin"))).isEqualTo(big);
            List<String> gets = proxy.requestHeads().stream()
                    .filter(h -> h.startsWith("GET "))
                    .collect(Collectors.toList());
            List<String> ranged = gets.stream()
                    .filter(h -> h.startsWith("GET /" + store.bucket + "/wire/big.bin"))
                    .collect(Collectors.toList());
            assertThat(gets)
                    .allSatisfy(h ->
                            assertThat(h).startsWith("GET /" + store.bucket).doesNotContain("partNumber"));
            assertThat(ranged).hasSize(6);
            assertThat(ranged).allSatisfy(h -> assertThat(h.toLowerCase())
                    .containsPattern("range: bytes=\\d+-\\d+")
                    .containsPattern("if-match: \"?[0-9a-f]{32}")
                    .contains("host: 127.0.0.1:" + proxy.port())
                    // sent by DirectGets, signed for the region the listing was signed for, not by the S3 client
                    .containsPattern(
                            "authorization: aws4-hmac-sha256 credential=[^/]+/\\d{8}/us-east-1/s3/aws4_request")
                    .doesNotContain("amz-sdk-invocation-id"));
        }
    }

    @Test
    void aReadBeforeAnyListingGoesThroughTheS3Client() throws Exception {
        byte[] one = bytes(70_000, 14);
        store.put("unlisted/a.bin", one);
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            Map<String, String> env = S3Fixture.kserveEnv(server);
            env.put("AWS_ENDPOINT_URL", proxy.endpoint());
            ModelUri uri = ModelUri.parse(store.uri("unlisted/a.bin"));
            try (ObjectSource source = new S3Provider().open(uri, new SourceContext(CredentialSource.of(env), 4))) {
                RemoteObject o = source.stat("unlisted/a.bin").orElseThrow();
                try (InputStream in = source.read(o, 5, 1000)) {
                    assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(one, 5, 1005));
                }
            }
            assertThat(proxy.requestHeads())
                    .filteredOn(h -> h.startsWith("GET "))
                    .singleElement()
                    .asString()
                    .containsIgnoringCase("amz-sdk-invocation-id");
        }
    }

    // ------------------------------------------------------------------ faults

    @Test
    void connectionCutMidObjectIsRetriedAndTheFileIsByteIdentical() throws Exception {
        byte[] big = bytes((6 << 20) + 3, 6);
        byte[] small = bytes(700_000, 7);
        store.put("cut/big.bin", big);
        store.put("cut/small.bin", small);
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            proxy.cutAfter(300_000, 3);
            Map<String, String> env = S3Fixture.kserveEnv(server);
            env.put("AWS_ENDPOINT_URL", proxy.endpoint());
            download(store.uri("cut"), temp.resolve("cut"), env);
            // which connections carry enough bytes to be cut depends on scheduling; at least one must have been
            assertThat(proxy.cutsDone()).isBetween(1, 3);
        }
        assertThat(sha256(Files.readAllBytes(temp.resolve("cut/big.bin")))).isEqualTo(sha256(big));
        assertThat(Files.readAllBytes(temp.resolve("cut/small.bin"))).isEqualTo(small);
    }

    @Test
    void aStalledConnectionTimesOutAfterS3ReadTimeoutAndIsRetried() throws Exception {
        byte[] big = bytes((3 << 20) + 300_000, 13); // every range, the last too, is longer than the stall point
        store.put("stall/big.bin", big);
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            proxy.stallRangedReads(2, 200_000);
            Map<String, String> env = S3Fixture.kserveEnv(server);
            env.put("AWS_ENDPOINT_URL", proxy.endpoint());
            env.put("S3_READ_TIMEOUT", "1");
            long t0 = System.nanoTime();
            download(store.uri("stall"), temp.resolve("stall"), env);
            assertThat(proxy.stallsDone()).isEqualTo(2);
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isLessThan(java.time.Duration.ofSeconds(20));
        }
        assertThat(sha256(Files.readAllBytes(temp.resolve("stall/big.bin")))).isEqualTo(sha256(big));
    }

    @Test
    void throttlingIsRetriedByTheSdkThenTheEngineThenReportedRetryable() throws Exception {
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            Map<String, String> env = S3Fixture.kserveEnv(server);
            env.put("AWS_ENDPOINT_URL", proxy.endpoint());
            proxy.failNext(2, 503, "Slow Down", "SlowDown"); // the SDK's one retry, then the engine's
            download(store.uri("model/config.json"), temp.resolve("slow-ok"), env);
            assertThat(Files.readString(temp.resolve("slow-ok/config.json"))).isEqualTo("{\"a\":1}");

            env.put("S3_MAX_ATTEMPTS", "1");
            proxy.failNext(4, 503, "Slow Down", "SlowDown");
            download(store.uri("model"), temp.resolve("slow-engine"), env); // four failed pages, the fifth lists
            assertThat(temp.resolve("slow-engine/config.json")).exists();

            proxy.failNext(5, 503, "Slow Down", "SlowDown"); // the engine's 5 attempts, each one SDK attempt
            assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("slow"), env))
                    .isInstanceOf(TransferException.class)
                    .hasMessageContaining("listing 'model/': failed after 5 attempts")
                    .hasMessageContaining("503 SlowDown")
                    .satisfies(e ->
                            assertThat(((StorageException) e).isRetryable()).isTrue());
            proxy.failNext(5, 429, "Too Many Requests", "TooManyRequests");
            assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("429"), env))
                    .isInstanceOf(TransferException.class)
                    .satisfies(e ->
                            assertThat(((StorageException) e).isRetryable()).isTrue());
            proxy.failNext(5, 500, "Internal Server Error", "InternalError");
            assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("500"), env))
                    .isInstanceOf(TransferException.class)
                    .satisfies(e ->
                            assertThat(((StorageException) e).isRetryable()).isTrue());
            proxy.failNext(1, 403, "Forbidden", "ExpiredToken");
            assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("expired"), env))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("ExpiredToken")
                    .hasMessageContaining("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (settings map)");
        }
    }

    @Test
    void failedReadsAreMappedLikeFailedSdkCalls() throws Exception {
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            Map<String, String> env = S3Fixture.kserveEnv(server);
            env.put("AWS_ENDPOINT_URL", proxy.endpoint());
            proxy.failNextReads(3, 503, "Slow Down", "SlowDown");
            download(store.uri("model"), temp.resolve("read-slow-ok"), env); // the engine retries each read
            assertModel(temp.resolve("read-slow-ok"));

            proxy.failNextReads(1000, 503, "Slow Down", "SlowDown");
            assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("read-slow"), env))
                    .isInstanceOf(TransferException.class)
                    .hasMessageStartingWith(store.uri("model") + ": ")
                    .hasMessageContaining("HTTP 503 SlowDown: injected SlowDown")
                    .satisfies(e ->
                            assertThat(((StorageException) e).isRetryable()).isTrue());

            proxy.failNextReads(1, 403, "Forbidden", "AccessDenied");
            assertThatThrownBy(() -> download(store.uri("model"), temp.resolve("read-denied"), env))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("HTTP 403 AccessDenied")
                    .hasMessageContaining("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (settings map)")
                    .hasMessageNotContaining(S3ProxyServer.CREDENTIAL);
        }
    }

    /** A two-part upload as rclone makes it: the whole file's MD5 in the {@code md5chksum} metadata. */
    private void rcloneMultipart(String key, long seed, String md5Metadata) {
        byte[] part1 = bytes(5 << 20, seed);
        byte[] part2 = bytes(1000, seed + 1);
        String uploadId = store.admin
                .createMultipartUpload(b ->
                        b.bucket(store.bucket).key(key).metadata(Map.of(S3Checksums.RCLONE_MD5_METADATA, md5Metadata)))
                .uploadId();
        String e1 = store.admin
                .uploadPart(
                        b -> b.bucket(store.bucket).key(key).uploadId(uploadId).partNumber(1),
                        RequestBody.fromBytes(part1))
                .eTag();
        String e2 = store.admin
                .uploadPart(
                        b -> b.bucket(store.bucket).key(key).uploadId(uploadId).partNumber(2),
                        RequestBody.fromBytes(part2))
                .eTag();
        store.admin.completeMultipartUpload(b -> b.bucket(store.bucket)
                .key(key)
                .uploadId(uploadId)
                .multipartUpload(m -> m.parts(
                        p -> p.partNumber(1).eTag(e1), p -> p.partNumber(2).eTag(e2))));
    }

    @Test
    void rclonesMultipartMd5MetadataIsVerified() throws Exception {
        byte[] part1 = bytes(5 << 20, 30);
        byte[] part2 = bytes(1000, 31);
        byte[] whole = java.util.Arrays.copyOf(part1, part1.length + part2.length);
        System.arraycopy(part2, 0, whole, part1.length, part2.length);
        String md5 = md5(whole);
        rcloneMultipart(
                "rcmp/ok/w.bin",
                30,
                java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(md5)));
        try (ObjectSource source =
                new S3Provider().open(ModelUri.parse(store.uri("rcmp/ok")), new SourceContext(store.settings(), 4))) {
            List<RemoteObject> listed = new ArrayList<>();
            listed.addAll(Listings.all(source, "rcmp/ok/"));
            assertThat(listed).singleElement().satisfies(o -> {
                assertThat(o.version()).contains("-2");
                assertThat(o.checksums())
                        .containsExactly(
                                Checksum.ofHex(Checksum.Algorithm.MD5, md5),
                                Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, S3ObjectSource.unquote(o.version())));
            });
        }
        download(store.uri("rcmp/ok"), temp.resolve("rcmp-ok"), S3Fixture.kserveEnv(server));
        assertThat(Files.readAllBytes(temp.resolve("rcmp-ok/w.bin"))).isEqualTo(whole);

        // by default the multipart ETag, whose parts are digested in parallel, is verified instead of the whole MD5
        rcloneMultipart("rcmp/bad/w.bin", 40, java.util.Base64.getEncoder().encodeToString(new byte[16]));
        download(store.uri("rcmp/bad"), temp.resolve("rcmp-auto"), S3Fixture.kserveEnv(server));
        assertThat(Files.size(temp.resolve("rcmp-auto/w.bin"))).isEqualTo((5 << 20) + 1000);
        Map<String, String> always = S3Fixture.kserveEnv(server);
        always.put("STORAGE_VERIFY_MD5", "always");
        assertThatThrownBy(() -> download(store.uri("rcmp/bad"), temp.resolve("rcmp-bad"), always))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("w.bin: MD5 mismatch");
        assertThat(temp.resolve("rcmp-bad/w.bin")).doesNotExist();
    }

    @Test
    void aFullObjectCrc64NvmeFromHeadIsPreferredAndVerified() throws Exception {
        // s3proxy keeps the x-amz-checksum-crc64nvme of a PutObject (not of a completed multipart upload), so the
        // HEAD path is exercised through a single object: stat() prefers the CRC64NVME to the ETag's MD5. A
        // mismatch is the engine's (TransferEngineTest)
        byte[] content = bytes(300_000, 50);
        dev.storageinit.internal.Digests.Digest crc =
                dev.storageinit.internal.Digests.create(Checksum.Algorithm.CRC64NVME);
        crc.update(content, 0, content.length);
        String crcHex = crc.hex();
        String crcBase64 =
                java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(crcHex));
        store.admin.putObject(
                b -> b.bucket(store.bucket).key("crc64/ok.bin").checksumCRC64NVME(crcBase64),
                RequestBody.fromBytes(content));
        try (ObjectSource source = new S3Provider()
                .open(ModelUri.parse(store.uri("crc64/ok.bin")), new SourceContext(store.settings(), 4))) {
            assertThat(source.stat("crc64/ok.bin"))
                    .get()
                    .extracting(RemoteObject::checksum)
                    .isEqualTo(Checksum.ofHex(Checksum.Algorithm.CRC64NVME, crcHex));
        }
        download(store.uri("crc64/ok.bin"), temp.resolve("crc64-ok"), S3Fixture.kserveEnv(server));
        assertThat(Files.readAllBytes(temp.resolve("crc64-ok/ok.bin"))).isEqualTo(content);

        // s3proxy refuses a PutObject whose CRC64NVME does not match, so it agrees with ours
        assertThatThrownBy(() -> store.admin.putObject(
                        b -> b.bucket(store.bucket).key("crc64/bad.bin").checksumCRC64NVME("AAAAAAAAAAE="),
                        RequestBody.fromBytes(content)))
                .isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class)
                .satisfies(e -> assertThat(((software.amazon.awssdk.services.s3.model.S3Exception) e).statusCode())
                        .isEqualTo(400));
    }

    @Test
    void aBitFlippedInOneRangeOfARangedCrc64NvmeObjectIsCaughtAndTheFileFetchedAgain() throws Exception {
        // the CRC64NVME is combined from the ranges' values; s3proxy keeps the one a PutObject carried
        byte[] content = bytes((3 << 20) + 5, 51);
        dev.storageinit.internal.Digests.Digest crc =
                dev.storageinit.internal.Digests.create(Checksum.Algorithm.CRC64NVME);
        crc.update(content, 0, content.length);
        String crcBase64 =
                java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(crc.hex()));
        store.admin.putObject(
                b -> b.bucket(store.bucket).key("crc64r/w.bin").checksumCRC64NVME(crcBase64),
                RequestBody.fromBytes(content));
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            Map<String, String> env = S3Fixture.kserveEnv(server);
            env.put("AWS_ENDPOINT_URL", proxy.endpoint());
            proxy.flipBits(1, 6);
            download(store.uri("crc64r/w.bin"), temp.resolve("crc64r-once"), env);
            assertThat(proxy.flipsDone()).isEqualTo(1);
            assertThat(Files.readAllBytes(temp.resolve("crc64r-once/w.bin"))).isEqualTo(content);

            for (String md5 : List.of("auto", "never")) { // never skips the ETag's MD5, never the CRC64NVME
                Path dest = temp.resolve("crc64r-every-" + md5);
                env.put("STORAGE_VERIFY_MD5", md5);
                proxy.flipBits(Integer.MAX_VALUE, 7);
                assertThatThrownBy(() -> download(store.uri("crc64r/w.bin"), dest, env))
                        .isInstanceOf(IntegrityException.class)
                        .hasMessageContaining("w.bin: CRC64NVME mismatch")
                        .hasMessageContaining("(after 3 downloads); not published");
                assertThat(dest.resolve("w.bin")).doesNotExist();
            }
        }
    }

    @Test
    void anObjectReplacedBetweenListingAndReadingIsAnIntegrityError() throws Exception {
        store.put("changing/a.bin", bytes(100_000, 8));
        S3Provider provider = new S3Provider();
        ModelUri uri = ModelUri.parse(store.uri("changing"));
        try (ObjectSource source = provider.open(uri, new SourceContext(store.settings(), 4))) {
            List<RemoteObject> listed = new ArrayList<>();
            listed.addAll(Listings.all(source, "changing/"));
            assertThat(listed).hasSize(1);
            RemoteObject o = listed.get(0);
            try (InputStream in = source.read(o, 10, 100)) {
                assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(bytes(100_000, 8), 10, 110));
            }
            store.put("changing/a.bin", bytes(100_000, 9));
            assertThatThrownBy(() -> source.read(o, 0, 1000).close())
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageStartingWith(store.uri("changing") + ": ")
                    .hasMessageContaining("object changed while downloading");
        }
    }

    // ------------------------------------------------------------------ checksums

    @Test
    void singlePartEtagIsAnMd5AndAMultipartOneAMultipartMd5() throws Exception {
        byte[] one = bytes(50_000, 10);
        store.put("sums/single.bin", one);
        byte[] part1 = bytes(5 << 20, 11);
        byte[] part2 = bytes(1000, 12);
        String uploadId = store.admin
                .createMultipartUpload(b -> b.bucket(store.bucket).key("sums/multi.bin"))
                .uploadId();
        String e1 = store.admin
                .uploadPart(
                        b -> b.bucket(store.bucket)
                                .key("sums/multi.bin")
                                .uploadId(uploadId)
                                .partNumber(1),
                        RequestBody.fromBytes(part1))
                .eTag();
        String e2 = store.admin
                .uploadPart(
                        b -> b.bucket(store.bucket)
                                .key("sums/multi.bin")
                                .uploadId(uploadId)
                                .partNumber(2),
                        RequestBody.fromBytes(part2))
                .eTag();
        store.admin.completeMultipartUpload(b -> b.bucket(store.bucket)
                .key("sums/multi.bin")
                .uploadId(uploadId)
                .multipartUpload(m -> m.parts(
                        p -> p.partNumber(1).eTag(e1), p -> p.partNumber(2).eTag(e2))));

        try (ObjectSource source =
                new S3Provider().open(ModelUri.parse(store.uri("sums")), new SourceContext(store.settings(), 4))) {
            Map<String, RemoteObject> listed = new HashMap<>();
            Listings.all(source, "sums/").forEach(o -> listed.put(o.key(), o));
            assertThat(listed.get("sums/single.bin").checksum())
                    .isEqualTo(Checksum.ofHex(Checksum.Algorithm.MD5, md5(one)));
            assertThat(listed.get("sums/multi.bin").version()).contains("-2");
            assertThat(listed.get("sums/multi.bin").checksums())
                    .containsExactly(Checksum.ofHex(
                            Checksum.Algorithm.MULTIPART_MD5,
                            S3ObjectSource.unquote(listed.get("sums/multi.bin").version())));
            assertThat(source.stat("sums/single.bin"))
                    .get()
                    .extracting(RemoteObject::checksum)
                    .isEqualTo(Checksum.ofHex(Checksum.Algorithm.MD5, md5(one)));
            assertThat(source.stat("sums/absent.bin")).isEmpty();
        }
        download(store.uri("sums"), temp.resolve("sums"), S3Fixture.kserveEnv(server));
        byte[] whole = new byte[part1.length + part2.length];
        System.arraycopy(part1, 0, whole, 0, part1.length);
        System.arraycopy(part2, 0, whole, part1.length, part2.length);
        assertThat(Files.readAllBytes(temp.resolve("sums/multi.bin"))).isEqualTo(whole);
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
