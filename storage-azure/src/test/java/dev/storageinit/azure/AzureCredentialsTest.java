package dev.storageinit.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.models.PublicAccessType;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.testkit.Listings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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

/** Every credential source against Azurite, the precedence between them, ETag pinning and Content-MD5. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureCredentialsTest {
    private AzuriteFixture store;
    private AzuriteFixture publicStore;
    private String sas;
    /** Held here: JUL keeps loggers weakly, and a collected one would come back without the handler. */
    private final Logger sourceLog = Logger.getLogger(AzureObjectSource.class.getName());

    private final List<String> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (logged) {
                logged.add(new java.util.logging.SimpleFormatter().formatMessage(r));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws Exception {
        store = new AzuriteFixture("creds");
        store.put("model/config.json", "{}".getBytes(StandardCharsets.UTF_8));
        store.put("model/weights/w.bin", "weights".getBytes(StandardCharsets.UTF_8));
        publicStore = new AzuriteFixture("public", PublicAccessType.CONTAINER);
        publicStore.put("model/config.json", "{\"public\":true}".getBytes(StandardCharsets.UTF_8));
        sas = store.client.generateSas(new BlobServiceSasSignatureValues(
                OffsetDateTime.now().plusHours(2),
                new BlobContainerSasPermission().setReadPermission(true).setListPermission(true)));
        sourceLog.addHandler(capture);
    }

    @AfterAll
    void stop() {
        sourceLog.removeHandler(capture);
        store.close();
        publicStore.close();
    }

    private DownloadResult download(String uri, Map<String, String> settings, String name) throws StorageException {
        try (Storage s = Storage.builder().concurrency(4).build()) {
            return s.download(DownloadRequest.builder(uri, temp.resolve(name))
                    .settings(CredentialSource.of(settings))
                    .build());
        }
    }

    private List<String> files(String name) throws Exception {
        Path dir = temp.resolve(name);
        try (Stream<Path> w = Files.walk(dir)) {
            return w.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.startsWith(".storage-initializer"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private String lastLog() {
        synchronized (logged) {
            return logged.get(logged.size() - 1);
        }
    }

    private void assertNoSecretLogged(String secret) {
        synchronized (logged) {
            assertThat(logged).noneMatch(l -> l.contains(secret));
        }
    }

    private static String sig(String sasToken) {
        for (String p : sasToken.split("&")) {
            if (p.startsWith("sig=")) {
                return p.substring(4);
            }
        }
        throw new AssertionError("no sig");
    }

    @Test
    void accountKey() throws Exception {
        download(
                store.uri("model"),
                Map.of(
                        "AZURE_STORAGE_ACCESS_KEY",
                        AzuriteServer.KEY,
                        AzureAuthResolver.ENDPOINT_VAR,
                        store.server.endpoint()),
                "key");
        assertThat(files("key")).containsExactly("config.json", "weights/w.bin");
        assertThat(lastLog())
                .contains("account key in AZURE_STORAGE_ACCESS_KEY")
                .contains(AzureAuthResolver.ENDPOINT_VAR);
        assertNoSecretLogged(AzuriteServer.KEY);
    }

    @Test
    void kserveConcurrencyVariablesAreAcceptedAsBounds() throws Exception {
        download(
                store.uri("model"),
                Map.of(
                        "AZURE_STORAGE_ACCESS_KEY",
                        AzuriteServer.KEY,
                        AzureAuthResolver.ENDPOINT_VAR,
                        store.server.endpoint(),
                        "AZURE_MAX_FILE_CONCURRENCY",
                        "1",
                        "AZURE_MAX_CHUNK_CONCURRENCY",
                        "2"),
                "bounded");
        assertThat(files("bounded")).containsExactly("config.json", "weights/w.bin");
        assertThatThrownBy(() -> download(
                        store.uri("model"),
                        Map.of(
                                "AZURE_STORAGE_ACCESS_KEY",
                                AzuriteServer.KEY,
                                AzureAuthResolver.ENDPOINT_VAR,
                                store.server.endpoint(),
                                "AZURE_MAX_CHUNK_CONCURRENCY",
                                "many"),
                        "badbound"))
                .isInstanceOf(dev.storageinit.ConfigurationException.class)
                .hasMessageContaining(
                        "AZURE_MAX_CHUNK_CONCURRENCY (settings map) must be a whole number >= 1, got 'many'");
    }

    @Test
    void sasInTheUri() throws Exception {
        download(store.uri("model") + "?" + sas, store.endpointOnly(), "urisas");
        assertThat(files("urisas")).containsExactly("config.json", "weights/w.bin");
        assertThat(lastLog()).contains("SAS token in the URI").contains("sig=***");
        assertNoSecretLogged(sig(sas));
        // the URI's SAS wins over a wrong key in the environment
        Map<String, String> wrong = new HashMap<>(store.endpointOnly());
        wrong.put("AZURE_STORAGE_ACCESS_KEY", AzuriteFixture.WRONG_KEY);
        download(store.uri("model") + "?" + sas, wrong, "urisas2");
        assertThat(files("urisas2")).hasSize(2);
        // and errors print it redacted
        assertThatThrownBy(() -> download(store.uri("absent") + "?" + sas, store.endpointOnly(), "urisas3"))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("sig=***")
                .hasMessageNotContaining(sig(sas));
    }

    @Test
    void sasInAccessKey() throws Exception {
        for (String value : List.of(sas, "?" + sas)) {
            Map<String, String> m = new HashMap<>(store.endpointOnly());
            m.put("AZURE_STORAGE_ACCESS_KEY", value);
            String name = "keysas" + value.length();
            download(store.uri("model/"), m, name);
            assertThat(files(name)).containsExactly("config.json", "weights/w.bin");
            assertThat(lastLog()).contains("SAS token in AZURE_STORAGE_ACCESS_KEY");
        }
        assertNoSecretLogged(sig(sas));
    }

    @Test
    void connectionStringWithKeyAndBlobEndpoint() throws Exception {
        download(store.uri("model"), Map.of("AZURE_STORAGE_CONNECTION_STRING", store.server.connectionString()), "cs");
        assertThat(files("cs")).containsExactly("config.json", "weights/w.bin");
        assertThat(lastLog())
                .contains("account key of AZURE_STORAGE_CONNECTION_STRING")
                .contains("AZURE_STORAGE_CONNECTION_STRING's BlobEndpoint");
        assertNoSecretLogged(AzuriteServer.KEY);
    }

    @Test
    void connectionStringWithSas() throws Exception {
        String cs = "BlobEndpoint=" + store.server.endpoint() + ";SharedAccessSignature=" + sas;
        download(store.uri("model"), Map.of("AZURE_STORAGE_CONNECTION_STRING", cs), "cssas");
        assertThat(files("cssas")).hasSize(2);
        assertThat(lastLog()).contains("SharedAccessSignature of AZURE_STORAGE_CONNECTION_STRING");
    }

    @Test
    void accessKeyWinsOverConnectionString() throws Exception {
        String wrongCs = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
                + AzuriteFixture.WRONG_KEY + ";BlobEndpoint=" + store.server.endpoint();
        download(
                store.uri("model"),
                Map.of("AZURE_STORAGE_CONNECTION_STRING", wrongCs, "AZURE_STORAGE_ACCESS_KEY", AzuriteServer.KEY),
                "order");
        assertThat(files("order")).hasSize(2);
    }

    @Test
    void anonymousReadsAPublicContainer() throws Exception {
        download(publicStore.uri("model"), publicStore.endpointOnly(), "anon");
        assertThat(files("anon")).containsExactly("config.json");
        assertThat(lastLog()).contains("anonymous access");
    }

    @Test
    void anonymousOnAPrivateContainerFailsSayingSo() {
        assertThatThrownBy(() -> download(store.uri("model"), store.endpointOnly(), "anonpriv"))
                .isInstanceOfAny(AccessDeniedException.class, NotFoundException.class)
                .hasMessageContaining("anonymous");
    }

    @Test
    void wrongKeyIsAccessDeniedNamingTheSource() {
        assertThatThrownBy(() -> download(
                        store.uri("model"),
                        Map.of(
                                "AZURE_STORAGE_ACCESS_KEY",
                                AzuriteFixture.WRONG_KEY,
                                AzureAuthResolver.ENDPOINT_VAR,
                                store.server.endpoint()),
                        "wrong"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageStartingWith(ModelUri.redact(store.uri("model")))
                .hasMessageContaining("AZURE_STORAGE_ACCESS_KEY")
                .hasMessageNotContaining(AzuriteFixture.WRONG_KEY);
    }

    @Test
    void rcloneRemoteWithEmulatorKeyAndSasUrl() throws Exception {
        download(
                "azr://" + store.container + "/model",
                Map.of(
                        "RCLONE_CONFIG_AZR_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_AZR_USE_EMULATOR",
                        "true",
                        "RCLONE_CONFIG_AZR_ENDPOINT",
                        store.server.endpoint()),
                "rclone-emu");
        assertThat(files("rclone-emu")).containsExactly("config.json", "weights/w.bin");
        assertThat(lastLog()).contains("emulator's well-known key");

        download(
                "azr://" + store.container + "/model",
                Map.of(
                        "RCLONE_CONFIG_AZR_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_AZR_ACCOUNT",
                        AzuriteServer.ACCOUNT,
                        "RCLONE_CONFIG_AZR_KEY",
                        AzuriteServer.KEY,
                        "RCLONE_CONFIG_AZR_ENDPOINT",
                        store.server.endpoint()),
                "rclone-key");
        assertThat(files("rclone-key")).hasSize(2);

        download(
                "azr://" + store.container + "/model",
                Map.of(
                        "RCLONE_CONFIG_AZR_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_AZR_SAS_URL",
                        store.server.endpoint() + "/" + store.container + "?" + sas),
                "rclone-sas");
        assertThat(files("rclone-sas")).hasSize(2);
        assertThat(lastLog()).contains("RCLONE_CONFIG_AZR_SAS_URL");
        assertNoSecretLogged(sig(sas));

        assertThatThrownBy(() -> download(
                        "azr://" + store.container + "/model",
                        Map.of(
                                "RCLONE_CONFIG_AZR_TYPE",
                                "azureblob",
                                "RCLONE_CONFIG_AZR_ACCOUNT",
                                AzuriteServer.ACCOUNT,
                                "RCLONE_CONFIG_AZR_KEY",
                                AzuriteFixture.WRONG_KEY,
                                "RCLONE_CONFIG_AZR_ENDPOINT",
                                store.server.endpoint()),
                        "rclone-wrong"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("RCLONE_CONFIG_AZR_KEY");
    }

    /** A remote whose name is not a plain word: RCLONE_CONFIG_MY_AZ_* for my-az://, as S3 and GCS read it. */
    @Test
    void aDashedRcloneRemoteNameIsClaimedByAzure() throws Exception {
        download(
                "my-az://" + store.container + "/model",
                Map.of(
                        "RCLONE_CONFIG_MY_AZ_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_MY_AZ_ACCOUNT",
                        AzuriteServer.ACCOUNT,
                        "RCLONE_CONFIG_MY_AZ_KEY",
                        AzuriteServer.KEY,
                        "RCLONE_CONFIG_MY_AZ_ENDPOINT",
                        store.server.endpoint()),
                "rclone-dashed");
        assertThat(files("rclone-dashed")).containsExactly("config.json", "weights/w.bin");
        assertThat(lastLog()).contains("RCLONE_CONFIG_MY_AZ_KEY");
    }

    @Test
    void readsArePinnedToTheEtag() throws Exception {
        String key = "pinned/a.bin";
        store.put(key, "first version".getBytes(StandardCharsets.UTF_8));
        try (ObjectSource src =
                new AzureProvider().open(ModelUri.parse(store.uri("pinned")), new SourceContext(store.settings(), 4))) {
            RemoteObject o = src.stat(key).orElseThrow();
            try (var in = src.read(o, 6, 7)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("version");
            }
            store.put(key, "second version".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> src.read(o, 0, 5).readAllBytes())
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("changed");
            RemoteObject gone = RemoteObject.of("pinned/none.bin", 5);
            assertThatThrownBy(() -> src.read(gone, 0, 5).readAllBytes()).isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void listingFollowsMarkersAcrossPages() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> puts = new ArrayList<>();
        for (int i = 0; i < 230; i++) {
            int n = i;
            puts.add(pool.submit(() -> {
                store.put("paged/f" + n + ".txt", ("p" + n).getBytes(StandardCharsets.UTF_8));
                return null;
            }));
        }
        for (var f : puts) {
            f.get();
        }
        pool.shutdown();
        int saved = AzureObjectSource.pageSize;
        AzureObjectSource.pageSize = 100;
        try (ObjectSource src =
                new AzureProvider().open(ModelUri.parse(store.uri("paged")), new SourceContext(store.settings(), 4))) {
            List<RemoteObject> listed = new ArrayList<>();
            listed.addAll(Listings.all(src, "paged/"));
            assertThat(listed).hasSize(230);
            assertThat(listed.stream().map(RemoteObject::key).distinct().count())
                    .isEqualTo(230);
            assertThat(listed).allSatisfy(o -> assertThat(o.version()).startsWith("\""));
        } finally {
            AzureObjectSource.pageSize = saved;
        }
    }

    @Test
    void sasReadsWithOddKeys() throws Exception {
        store.put("odd sas/a b#1%+é.txt", "odd".getBytes(StandardCharsets.UTF_8));
        download(store.uri("odd sas") + "?" + sas, store.endpointOnly(), "oddsas");
        assertThat(files("oddsas")).containsExactly("a b#1%+é.txt");
    }

    @Test
    void contentMd5BecomesAChecksumAndMissingBlobsAreEmpty() throws Exception {
        byte[] content = "checksummed".getBytes(StandardCharsets.UTF_8);
        store.client.getBlobClient("md5/a.txt").upload(BinaryData.fromBytes(content), true);
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
        try (ObjectSource src =
                new AzureProvider().open(ModelUri.parse(store.uri("md5")), new SourceContext(store.settings(), 4))) {
            List<RemoteObject> listed = new ArrayList<>();
            listed.addAll(Listings.all(src, "md5/"));
            assertThat(listed).singleElement().satisfies(o -> {
                assertThat(o.checksum()).isEqualTo(Checksum.ofHex(Checksum.Algorithm.MD5, md5));
                assertThat(o.version()).isNotBlank();
                assertThat(o.size()).isEqualTo(content.length);
            });
            assertThat(src.stat("md5/a.txt").orElseThrow().checksum())
                    .isEqualTo(listed.get(0).checksum());
            assertThat(src.stat("md5/none.txt")).isEmpty();
        }
    }
}
