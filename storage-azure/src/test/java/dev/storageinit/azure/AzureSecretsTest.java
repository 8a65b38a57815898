package dev.storageinit.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.InvalidUriException;
import dev.storageinit.StorageException;
import dev.storageinit.testkit.SecretLeaks;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Malformed secrets in every place the Azure provider takes one: none of them leaks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureSecretsTest {
    private static final String SAS_HEAD = "sv=2021-08-06&ss=b&srt=sco&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=";
    private final AtomicInteger runs = new AtomicInteger();
    private AzuriteFixture store;
    private String realSas;

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws Exception {
        store = new AzuriteFixture("secrets");
        store.put("model/config.json", "{}".getBytes(StandardCharsets.UTF_8));
        realSas = store.client.generateSas(new BlobServiceSasSignatureValues(
                OffsetDateTime.now().plusHours(2),
                new BlobContainerSasPermission().setReadPermission(true).setListPermission(true)));
    }

    @AfterAll
    void stop() {
        store.close();
    }

    /** Downloads and asserts that none of {@code secrets} leaks; returns the error, if any. */
    private StorageException check(String uri, Map<String, String> settings, String... secrets) {
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            StorageException e = leaks.download(uri, temp.resolve("d" + runs.incrementAndGet()), settings);
            leaks.assertNoLeak(secrets);
            if (e != null) {
                // one readable line of the library's own, never the JDK's or an SDK's exception quoted
                assertThat(e.getMessage())
                        .doesNotContain("\n")
                        .startsWith(e.uri())
                        .doesNotContain("unexpected error")
                        .doesNotContain("Exception");
            }
            return e;
        }
    }

    @Test
    void malformedSasInTheUri() {
        for (String bad : SecretLeaks.corpus()) {
            for (String sig : List.of(bad, URLEncoder.encode(bad, StandardCharsets.UTF_8))) {
                StorageException e = check(store.uri("model") + "?" + SAS_HEAD + sig, store.endpointOnly(), bad, sig);
                assertThat(e).isNotNull();
                assertThat(e.getMessage()).contains("sig=***");
                if (sig.equals(bad) && !bad.contains("+/=") && !bad.contains("xxxx")) {
                    assertThat(e).isInstanceOfAny(ConfigurationException.class, InvalidUriException.class);
                    assertThat(e.getMessage())
                            .containsAnyOf(
                                    "the SAS token in the URI is not a valid URL query", "control character in URI");
                }
            }
        }
    }

    @Test
    void strayCharacterInAnotherSasParameterHidesTheSignature() {
        String sig = "Sig0" + SecretLeaks.MARKER + "cleanButSecret%3D";
        for (String stray : List.of(" ", "|", "\"", "\\", "{", "%zz")) {
            String sas = "sv=2021-08-06&ss=b&srt=sco&sp=rl&se=2030" + stray + "01&sig=" + sig;
            check(store.uri("model") + "?" + sas, store.endpointOnly(), sig);
            Map<String, String> m = new HashMap<>(store.endpointOnly());
            m.put("AZURE_STORAGE_ACCESS_KEY", sas);
            check(store.uri("model"), m, sig);
        }
    }

    @Test
    void malformedAccessKeyAsKeyAndAsSas() {
        for (String bad : SecretLeaks.corpus()) {
            for (String value : List.of(bad, SAS_HEAD + bad, "?" + SAS_HEAD + bad)) {
                Map<String, String> m = new HashMap<>(store.endpointOnly());
                m.put("AZURE_STORAGE_ACCESS_KEY", value);
                check(store.uri("model"), m, bad, value);
            }
        }
    }

    @Test
    void malformedConnectionString() {
        for (String bad : SecretLeaks.corpus()) {
            String withKey = "DefaultEndpointsProtocol=http;AccountName=" + AzuriteServer.ACCOUNT + ";AccountKey=" + bad
                    + ";BlobEndpoint=" + store.server.endpoint();
            check(store.uri("model"), Map.of("AZURE_STORAGE_CONNECTION_STRING", withKey), bad);
            String withSas = "BlobEndpoint=" + store.server.endpoint() + ";SharedAccessSignature=" + SAS_HEAD + bad;
            check(store.uri("model"), Map.of("AZURE_STORAGE_CONNECTION_STRING", withSas), bad);
            String badEndpoint = "BlobEndpoint=" + store.server.endpoint() + bad + ";AccountKey=" + AzuriteServer.KEY;
            check(store.uri("model"), Map.of("AZURE_STORAGE_CONNECTION_STRING", badEndpoint), bad);
        }
    }

    @Test
    void malformedRcloneSasUrlAndKey() {
        for (String bad : SecretLeaks.corpus()) {
            Map<String, String> sasUrl = Map.of(
                    "RCLONE_CONFIG_AZB_TYPE",
                    "azureblob",
                    "RCLONE_CONFIG_AZB_SAS_URL",
                    store.server.endpoint() + "/" + store.container + "?" + SAS_HEAD + bad);
            check("azb://" + store.container + "/model", sasUrl, bad);
            Map<String, String> key = Map.of(
                    "RCLONE_CONFIG_AZB_TYPE",
                    "azureblob",
                    "RCLONE_CONFIG_AZB_ACCOUNT",
                    AzuriteServer.ACCOUNT,
                    "RCLONE_CONFIG_AZB_ENDPOINT",
                    store.server.endpoint(),
                    "RCLONE_CONFIG_AZB_KEY",
                    bad);
            check("azb://" + store.container + "/model", key, bad);
        }
    }

    @Test
    void wellFormedButWrongSignatureIsAccessDeniedAndHidden() {
        String wrong = realSas.replaceAll("sig=[^&]+", "sig=" + SecretLeaks.MARKER + "AAAAAAAAAAAAAAAAAAAAAAA%3D");
        StorageException e = check(
                store.uri("model") + "?" + wrong,
                store.endpointOnly(),
                SecretLeaks.MARKER + "AAAAAAAAAAAAAAAAAAAAAAA%3D");
        assertThat(e).isInstanceOf(AccessDeniedException.class);
    }
}
