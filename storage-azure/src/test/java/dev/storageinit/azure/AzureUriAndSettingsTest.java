package dev.storageinit.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider.Match;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** URI forms, dispatch and the credential order, without a server. */
class AzureUriAndSettingsTest {
    private static final CredentialSource NONE = CredentialSource.none();
    private final AzureProvider provider = new AzureProvider();

    private static AzureLocation loc(String uri) throws Exception {
        ModelUri u = ModelUri.parse(uri);
        return AzureLocation.of(u, AzureProvider.rcloneRemote(u, NONE).orElse(null));
    }

    private static AzureAuth auth(String uri, Map<String, String> settings) throws Exception {
        ModelUri u = ModelUri.parse(uri);
        CredentialSource s = CredentialSource.of(settings);
        return AzureAuth.resolve(
                AzureLocation.of(u, AzureProvider.rcloneRemote(u, s).orElse(null)), s);
    }

    @Test
    void matchesAzureHostsExactlyAndNothingElse() throws Exception {
        for (String uri : new String[] {
            "https://acct.blob.core.windows.net/c/p",
            "https://acct.z12.blob.storage.azure.net/c/p",
            "https://ACCT.Blob.Core.Windows.Net/c",
            "https://acct.blob.core.chinacloudapi.cn/c/p"
        }) {
            assertThat(provider.match(ModelUri.parse(uri), NONE)).as(uri).isEqualTo(Match.EXACT);
        }
        for (String uri : new String[] {
            "https://example.com/acct.blob.core.windows.net/c",
            "http://acct.blob.core.windows.net/c/p",
            "https://acct.blob.core.windows.net.evil.com/c",
            "https://acct.dfs.core.windows.net/c/p",
            "s3://b/k",
            "az://c/p"
        }) {
            assertThat(provider.match(ModelUri.parse(uri), NONE)).as(uri).isEqualTo(Match.NONE);
        }
        // rclone remotes are claimed by the registry, from rcloneTypes(); the dashed name is mangled like S3's
        CredentialSource rclone = CredentialSource.of(Map.of(
                "RCLONE_CONFIG_AZ_TYPE",
                "azureblob",
                "RCLONE_CONFIG_MY_AZ_TYPE",
                "azureblob",
                "RCLONE_CONFIG_S3_TYPE",
                "s3"));
        dev.storageinit.internal.ProviderRegistry registry =
                dev.storageinit.internal.ProviderRegistry.of(java.util.List.of(provider));
        assertThat(registry.select(ModelUri.parse("az://c/p"), rclone)).isSameAs(provider);
        assertThat(registry.select(ModelUri.parse("my-az://c/p"), rclone)).isSameAs(provider);
        assertThat(AzureProvider.rcloneRemote(ModelUri.parse("my-az://c/p"), rclone))
                .contains("my-az");
        assertThatThrownBy(() -> registry.select(ModelUri.parse("s3://c/p"), rclone))
                .isInstanceOf(dev.storageinit.InvalidUriException.class);
    }

    @Test
    void parsesContainerKeyAndSas() throws Exception {
        AzureLocation l = loc("https://acct.blob.core.windows.net/models/llama/7b?sv=2024-01-01&sig=abc%3D");
        assertThat(l.account()).isEqualTo("acct");
        assertThat(l.container()).isEqualTo("models");
        assertThat(l.key()).isEqualTo("llama/7b");
        assertThat(l.sas()).isEqualTo("sv=2024-01-01&sig=abc%3D");
        assertThat(l.toString()).doesNotContain("abc").contains("sig=***");

        assertThat(loc("https://acct.z7.blob.storage.azure.net/models").key()).isEmpty();
        assertThat(loc("https://acct.blob.core.windows.net/models/").key()).isEmpty();
        assertThat(loc("https://acct.blob.core.windows.net/models/a%20b/%23x%25y+z/%E6%97%A5%zz")
                        .key())
                .isEqualTo("a b/#x%y+z/日%zz");
        assertThat(loc("https://acct.blob.core.windows.net/models/m?foo=bar").sas())
                .isNull();

        ModelUri rclone = ModelUri.parse("az://models/a%20b/c");
        AzureLocation r = AzureLocation.of(rclone, "AZ");
        assertThat(r.container()).isEqualTo("models");
        assertThat(r.key()).isEqualTo("a%20b/c");
    }

    @Test
    void aMissingContainerNamesTheExpectedForm() {
        assertThatThrownBy(() -> provider.open(
                        ModelUri.parse("https://acct.blob.core.windows.net/?sig=secret"), new SourceContext(NONE, 4)))
                .isInstanceOf(InvalidUriException.class)
                .hasMessageContaining("https://<account>.blob.core.windows.net/<container>/<path>")
                .hasMessageNotContaining("secret");
    }

    @Test
    void credentialOrderFollowsKServe() throws Exception {
        String uri = "https://acct.blob.core.windows.net/c/m";
        String key = "a2V5a2V5a2V5";
        Map<String, String> all = Map.of(
                "AZURE_CLIENT_ID",
                "cid",
                "AZURE_TENANT_ID",
                "tid",
                "AZURE_CLIENT_SECRET",
                "csecret",
                "AZ_TENANT_ID",
                "t",
                "AZ_CLIENT_ID",
                "c",
                "AZ_CLIENT_SECRET",
                "legacysecret",
                "AZURE_STORAGE_ACCESS_KEY",
                key,
                "AZURE_STORAGE_CONNECTION_STRING",
                "AccountName=acct;AccountKey=" + key);
        AzureAuth a = auth(uri, all);
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.CLIENT_SECRET);
        assertThat(a.clientId).isEqualTo("cid");
        assertThat(a.description()).contains("AZURE_CLIENT_SECRET").doesNotContain("csecret");
        assertThat(a.toString()).doesNotContain("csecret");

        Map<String, String> m = new java.util.HashMap<>(all);
        m.remove("AZURE_CLIENT_ID");
        a = auth(uri, m);
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.CLIENT_SECRET);
        assertThat(a.clientId).isEqualTo("c");
        assertThat(a.description()).contains("AZ_CLIENT_SECRET").doesNotContain("legacysecret");

        m.remove("AZ_CLIENT_SECRET");
        a = auth(uri, m);
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.ACCOUNT_KEY);
        assertThat(a.account).isEqualTo("acct");
        assertThat(a.toString()).doesNotContain(key);

        m.put("AZURE_STORAGE_ACCESS_KEY", "?sv=2024&sig=abc");
        a = auth(uri, m);
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.SAS);
        assertThat(a.secret).isEqualTo("sv=2024&sig=abc");

        m.remove("AZURE_STORAGE_ACCESS_KEY");
        a = auth(uri, m);
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.ACCOUNT_KEY);
        assertThat(a.description()).contains("AZURE_STORAGE_CONNECTION_STRING");
        assertThat(a.endpoint).isEqualTo("https://acct.blob.core.windows.net");

        m.remove("AZURE_STORAGE_CONNECTION_STRING");
        a = auth(uri, m);
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.ANONYMOUS);

        // the URI's own SAS comes first
        a = auth(uri + "?sv=1&sig=urisig", all);
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.SAS);
        assertThat(a.description()).isEqualTo("the SAS token in the URI");
    }

    @Test
    void identityIsChosenByWhatIsSet() throws Exception {
        String uri = "https://acct.blob.core.windows.net/c/m";
        assertThat(auth(
                                uri,
                                Map.of(
                                        "AZURE_CLIENT_ID",
                                        "c",
                                        "AZURE_TENANT_ID",
                                        "t",
                                        "AZURE_CLIENT_CERTIFICATE_PATH",
                                        "/certs/c.pem"))
                        .kind)
                .isEqualTo(AzureAuth.Kind.CLIENT_CERTIFICATE);
        assertThat(auth(
                                uri,
                                Map.of(
                                        "AZURE_CLIENT_ID",
                                        "c",
                                        "AZURE_TENANT_ID",
                                        "t",
                                        "AZURE_FEDERATED_TOKEN_FILE",
                                        "/var/run/token"))
                        .kind)
                .isEqualTo(AzureAuth.Kind.WORKLOAD_IDENTITY);
        AzureAuth mi = auth(uri, Map.of("AZURE_CLIENT_ID", "c", "AZURE_STORAGE_ACCESS_KEY", "a2V5"));
        assertThat(mi.kind).isEqualTo(AzureAuth.Kind.MANAGED_IDENTITY);
        assertThat(mi.clientId).isEqualTo("c");
    }

    @Test
    void endpointOverrides() throws Exception {
        String uri = "https://devstoreaccount1.blob.core.windows.net/c/m";
        assertThat(auth(uri, Map.of("AZURE_STORAGE_BLOB_ENDPOINT", "http://127.0.0.1:1/devstoreaccount1/")).endpoint)
                .isEqualTo("http://127.0.0.1:1/devstoreaccount1");
        assertThat(auth(uri, Map.of("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true")).endpoint)
                .isEqualTo("http://127.0.0.1:10000/devstoreaccount1");
        // a connection string for another production account does not re-route the URI
        AzureAuth other = auth(
                uri,
                Map.of(
                        "AZURE_STORAGE_CONNECTION_STRING",
                        "BlobEndpoint=https://other.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x"));
        assertThat(other.endpoint).isEqualTo("https://devstoreaccount1.blob.core.windows.net");
        assertThatThrownBy(() -> auth(uri, Map.of("AZURE_STORAGE_BLOB_ENDPOINT", "127.0.0.1:1")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("AZURE_STORAGE_BLOB_ENDPOINT");
    }

    @Test
    void aKeyThatIsNeitherBase64NorSasIsAConfigurationError() {
        assertThatThrownBy(() -> auth(
                        "https://acct.blob.core.windows.net/c/m", Map.of("AZURE_STORAGE_ACCESS_KEY", "not base64!!")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("AZURE_STORAGE_ACCESS_KEY")
                .hasMessageNotContaining("not base64!!");
    }

    @Test
    void tokensOverPlainHttpAreRefusedUpFront() {
        assertThatThrownBy(() -> provider.open(
                        ModelUri.parse("https://acct.blob.core.windows.net/c/m"),
                        new SourceContext(
                                CredentialSource.of(Map.of(
                                        "AZURE_CLIENT_ID",
                                        "c",
                                        "AZURE_TENANT_ID",
                                        "t",
                                        "AZURE_CLIENT_SECRET",
                                        "s",
                                        "AZURE_STORAGE_BLOB_ENDPOINT",
                                        "http://127.0.0.1:1/acct")),
                                4)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("https");
    }

    @Test
    void rcloneRemotes() throws Exception {
        AzureAuth a = auth(
                "az://c/m",
                Map.of(
                        "RCLONE_CONFIG_AZ_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_AZ_ACCOUNT",
                        "acct",
                        "RCLONE_CONFIG_AZ_KEY",
                        "a2V5"));
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.ACCOUNT_KEY);
        assertThat(a.endpoint).isEqualTo("https://acct.blob.core.windows.net");
        a = auth("az://c/m", Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob", "RCLONE_CONFIG_AZ_ACCOUNT", "acct"));
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.ANONYMOUS);
        a = auth(
                "az://c/m",
                Map.of(
                        "RCLONE_CONFIG_AZ_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_AZ_SAS_URL",
                        "https://acct.blob.core.windows.net/c?sv=1&sig=s"));
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.SAS);
        assertThat(a.endpoint).isEqualTo("https://acct.blob.core.windows.net");
        a = auth(
                "az://c/m",
                Map.of(
                        "RCLONE_CONFIG_AZ_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_AZ_ACCOUNT",
                        "acct",
                        "RCLONE_CONFIG_AZ_USE_MSI",
                        "true",
                        "RCLONE_CONFIG_AZ_MSI_CLIENT_ID",
                        "mid"));
        assertThat(a.kind).isEqualTo(AzureAuth.Kind.MANAGED_IDENTITY);
        a = auth("az://c/m", Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob", "RCLONE_CONFIG_AZ_USE_EMULATOR", "true"));
        assertThat(a.endpoint).isEqualTo(AzureAuth.EMULATOR_ENDPOINT);
        assertThat(a.account).isEqualTo("devstoreaccount1");
        assertThatThrownBy(() -> auth("az://c/m", Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("RCLONE_CONFIG_AZ_ACCOUNT");
        // one truthy rule: "yes" is true here as for S3 and GCS, and a typo is an error naming the variable
        a = auth("az://c/m", Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob", "RCLONE_CONFIG_AZ_USE_EMULATOR", "yes"));
        assertThat(a.endpoint).isEqualTo(AzureAuth.EMULATOR_ENDPOINT);
        assertThatThrownBy(() -> auth(
                        "az://c/m",
                        Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob", "RCLONE_CONFIG_AZ_USE_EMULATOR", "ture")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("RCLONE_CONFIG_AZ_USE_EMULATOR (settings map) must be one of");
    }
}
