package dev.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.ModelUri;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.testkit.FaultProxy;
import dev.storageinit.testkit.Listings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Objects uploaded in parts, as {@code aws s3 cp}, boto3 and {@code mc} leave them: the multipart ETag is their only
 * checksum, and it is verified; a bit flipped on the wire is an integrity error, never a published file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3MultipartEtagTest {
    private static final int MIB = 1 << 20;

    private S3ProxyServer server;
    private S3Fixture store;
    private final Map<String, byte[]> objects = new HashMap<>();

    @TempDir
    Path temp;

    @BeforeAll
    void upload() throws Exception {
        server = S3ProxyServer.shared();
        store = new S3Fixture(server);
        // 5 MiB parts, the last one 1 byte: the only MiB multiple of at least 5 MiB giving 4 parts is 5 MiB
        upload("mp/five.bin", 3 * 5 * MIB + 1, 5 * MIB, 1);
        // 8 MiB parts, 64 MiB: 9 MiB parts would make 8 parts too; 8 MiB is tried first
        upload("mp/eight.bin", 64 * MIB, 8 * MIB, 2);
        // 16 MiB parts, the last one 1 byte: anything from 11 to 16 MiB gives 3 parts
        upload("mp/sixteen.bin", 2 * 16 * MIB + 1, 16 * MIB, 3);
        // 5 MiB then 1 MiB + 1: 6 MiB parts would make 2 parts too and are tried first, then 5 MiB
        upload("mp/second-guess.bin", 6 * MIB + 1, 5 * MIB, 4);
        upload("flip/five.bin", 3 * 5 * MIB + 1, 5 * MIB, 5);
    }

    @AfterAll
    void stop() {
        store.close();
    }

    /** Uploads {@code size} random bytes in parts of {@code partSize} (the last one shorter) with the SDK. */
    private void upload(String key, int size, int partSize, long seed) {
        byte[] content = S3ProviderTest.bytes(size, seed);
        objects.put(key, content);
        String uploadId = store.admin
                .createMultipartUpload(b -> b.bucket(store.bucket).key(key))
                .uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int off = 0, n = 1; off < size; off += partSize, n++) {
            int number = n;
            byte[] part = Arrays.copyOfRange(content, off, Math.min(size, off + partSize));
            String etag = store.admin
                    .uploadPart(
                            b -> b.bucket(store.bucket)
                                    .key(key)
                                    .uploadId(uploadId)
                                    .partNumber(number),
                            RequestBody.fromBytes(part))
                    .eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }
        store.admin.completeMultipartUpload(
                b -> b.bucket(store.bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
    }

    /** What S3 computes: the MD5 of the parts' MD5s, then "-" and the number of parts. */
    private static String multipartEtag(byte[] content, int partSize) throws Exception {
        MessageDigest outer = MessageDigest.getInstance("MD5");
        int parts = 0;
        for (int off = 0; off < content.length; off += partSize, parts++) {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(content, off, Math.min(partSize, content.length - off));
            outer.update(md5.digest());
        }
        return HexFormat.of().formatHex(outer.digest()) + "-" + parts;
    }

    private DownloadResult download(String uri, Path dest, String endpoint) throws StorageException {
        return download(uri, dest, endpoint, "auto");
    }

    private DownloadResult download(String uri, Path dest, String endpoint, String verifyMd5) throws StorageException {
        Map<String, String> env = S3Fixture.kserveEnv(server);
        env.put("AWS_ENDPOINT_URL", endpoint);
        env.put("STORAGE_VERIFY_MD5", verifyMd5);
        try (Storage s = Storage.builder()
                .concurrency(4)
                .partSize(MIB)
                .multipartThreshold(MIB)
                .retryBackoff(Duration.ofMillis(20))
                .build()) {
            return s.download(DownloadRequest.builder(uri, dest)
                    .settings(CredentialSource.of(env))
                    .build());
        }
    }

    private void assertDownloaded(String folder, Path dest) throws Exception {
        for (Map.Entry<String, byte[]> e : objects.entrySet()) {
            if (e.getKey().startsWith(folder + "/")) {
                assertThat(S3ProviderTest.md5(
                                Files.readAllBytes(dest.resolve(e.getKey().substring(folder.length() + 1)))))
                        .as(e.getKey())
                        .isEqualTo(S3ProviderTest.md5(e.getValue()));
            }
        }
    }

    @Test
    void theMultipartEtagIsListedAsAChecksum() throws Exception {
        Map<String, RemoteObject> listed = new HashMap<>();
        try (ObjectSource source =
                new S3Provider().open(ModelUri.parse(store.uri("mp")), new SourceContext(store.settings(), 4))) {
            Listings.all(source, "mp/").forEach(o -> listed.put(o.key(), o));
        }
        Map<String, Integer> partSizes = Map.of(
                "mp/five.bin",
                5 * MIB,
                "mp/eight.bin",
                8 * MIB,
                "mp/sixteen.bin",
                16 * MIB,
                "mp/second-guess.bin",
                5 * MIB);
        for (Map.Entry<String, Integer> e : partSizes.entrySet()) {
            Checksum expected = Checksum.ofHex(
                    Checksum.Algorithm.MULTIPART_MD5, multipartEtag(objects.get(e.getKey()), e.getValue()));
            assertThat(listed.get(e.getKey()).checksums()).as(e.getKey()).containsExactly(expected);
            assertThat(S3ObjectSource.unquote(listed.get(e.getKey()).version())).isEqualTo(expected.hex());
        }
    }

    @Test
    void multipartObjectsOfSeveralPartSizesDownloadAndARangeCorruptedOnceIsFetchedAgain() throws Exception {
        download(store.uri("mp"), temp.resolve("clean"), server.endpoint());
        assertDownloaded("mp", temp.resolve("clean"));
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            proxy.flipBits(1, 42);
            download(store.uri("mp"), temp.resolve("flipped-once"), proxy.endpoint());
            assertThat(proxy.flipsDone()).isEqualTo(1);
        }
        assertDownloaded("mp", temp.resolve("flipped-once"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void aBitFlippedInEveryReadIsAnIntegrityErrorAndNothingIsPublished(long seed) throws Exception {
        Path dest = temp.resolve("flipped-" + seed);
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            proxy.flipBits(Integer.MAX_VALUE, seed);
            assertThatThrownBy(() -> download(store.uri("flip"), dest, proxy.endpoint()))
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("five.bin: MULTIPART_MD5 mismatch")
                    .hasMessageContaining("(after 3 downloads); not published");
        }
        assertThat(dest.resolve("five.bin")).doesNotExist();
    }

    @Test
    void storageVerifyMd5NeverSkipsTheMultipartEtagAsItSkipsAnyMd5() throws Exception {
        Path dest = temp.resolve("never");
        try (FaultProxy proxy = new FaultProxy(server.port)) {
            proxy.flipBits(1, 8);
            download(store.uri("flip"), dest, proxy.endpoint(), "never");
            assertThat(proxy.flipsDone()).isEqualTo(1);
        }
        assertThat(S3ProviderTest.md5(Files.readAllBytes(dest.resolve("five.bin"))))
                .as("no MD5 computed: the flipped bit is not caught, as documented; TLS is then the check")
                .isNotEqualTo(S3ProviderTest.md5(objects.get("flip/five.bin")));
    }
}
