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

    private static AzureAccess access(String uri, Map<String, String> settings) throws Exception {
        ModelUri u = ModelUri.parse(uri);
        CredentialSource s = CredentialSource.of(settings);
        return AzureAuthResolver.resolve(
                AzureLocation.of(u, AzureProvider.rcloneRemote(u, s).orElse(null)), s);
    }

    private static AzureAuth auth(String uri, Map<String, String> settings) throws Exception {
        return access(uri, settings).auth();
    }

    private static AzureIdentity identity(String uri, Map<String, String> settings) throws Exception {
        AzureAuth a = auth(uri, settings);
        assertThat(a).isInstanceOf(AzureAuth.Token.class);
        return ((AzureAuth.Token) a).identity();
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
        assertThat(a)
                .isEqualTo(new AzureAuth.Token(
                        new AzureIdentity.ClientSecret("tid", "cid", "csecret", null),
                        "Azure identity: client secret from AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET "
                                + "(settings map)"));
        assertThat(a.toString()).doesNotContain("csecret");
        assertThat(((AzureAuth.Token) a).identity().toString()).doesNotContain("csecret");

        Map<String, String> m = new java.util.HashMap<>(all);
        m.remove("AZURE_CLIENT_ID");
        assertThat(identity(uri, m)).isEqualTo(new AzureIdentity.ClientSecret("t", "c", "legacysecret", null));
        assertThat(auth(uri, m).description()).contains("AZ_CLIENT_SECRET").doesNotContain("legacysecret");

        m.remove("AZ_CLIENT_SECRET");
        a = auth(uri, m);
        assertThat(a)
                .isEqualTo(new AzureAuth.AccountKey(
                        "acct", key, "account key in AZURE_STORAGE_ACCESS_KEY for account 'acct' (settings map)"));
        assertThat(a.toString()).doesNotContain(key);

        m.put("AZURE_STORAGE_ACCESS_KEY", "?sv=2024&sig=abc");
        a = auth(uri, m);
        assertThat(a)
                .isEqualTo(
                        new AzureAuth.Sas("sv=2024&sig=abc", "SAS token in AZURE_STORAGE_ACCESS_KEY (settings map)"));
        assertThat(a.toString()).doesNotContain("abc");

        m.remove("AZURE_STORAGE_ACCESS_KEY");
        AzureAccess cs = access(uri, m);
        assertThat(cs.auth()).isInstanceOf(AzureAuth.AccountKey.class);
        assertThat(cs.auth().description()).contains("AZURE_STORAGE_CONNECTION_STRING");
        assertThat(cs.endpoint()).isEqualTo("https://acct.blob.core.windows.net");

        m.remove("AZURE_STORAGE_CONNECTION_STRING");
        assertThat(auth(uri, m)).isInstanceOf(AzureAuth.Anonymous.class);

        // the URI's own SAS comes first
        a = auth(uri + "?sv=1&sig=urisig", all);
        assertThat(a).isEqualTo(new AzureAuth.Sas("sv=1&sig=urisig", "the SAS token in the URI"));
    }

    @Test
    void identityIsChosenByWhatIsSet() throws Exception {
        String uri = "https://acct.blob.core.windows.net/c/m";
        assertThat(identity(
                        uri,
                        Map.of(
                                "AZURE_CLIENT_ID",
                                "c",
                                "AZURE_TENANT_ID",
                                "t",
                                "AZURE_CLIENT_CERTIFICATE_PATH",
                                "/certs/c.pem",
                                "AZURE_AUTHORITY_HOST",
                                "https://login.microsoftonline.us")))
                .isEqualTo(new AzureIdentity.ClientCertificate(
                        "t", "c", "/certs/c.pem", null, "https://login.microsoftonline.us"));
        assertThat(identity(
                        uri,
                        Map.of(
                                "AZURE_CLIENT_ID",
                                "c",
                                "AZURE_TENANT_ID",
                                "t",
                                "AZURE_FEDERATED_TOKEN_FILE",
                                "/var/run/token")))
                .isEqualTo(new AzureIdentity.Workload("t", "c", "/var/run/token", null));
        assertThat(identity(uri, Map.of("AZURE_CLIENT_ID", "c", "AZURE_STORAGE_ACCESS_KEY", "a2V5")))
                .isEqualTo(new AzureIdentity.Managed("c"));
        assertThat(auth(uri, Map.of("AZURE_CLIENT_ID", "c")).description())
                .isEqualTo("Azure identity: managed identity for AZURE_CLIENT_ID (settings map)");
    }

    @Test
    void endpointOverrides() throws Exception {
        String uri = "https://devstoreaccount1.blob.core.windows.net/c/m";
        assertThat(access(uri, Map.of("AZURE_STORAGE_BLOB_ENDPOINT", "http://127.0.0.1:1/devstoreaccount1/"))
                        .endpoint())
                .isEqualTo("http://127.0.0.1:1/devstoreaccount1");
        assertThat(access(uri, Map.of("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"))
                        .endpoint())
                .isEqualTo("http://127.0.0.1:10000/devstoreaccount1");
        // a connection string for another production account does not re-route the URI
        AzureAccess other = access(
                uri,
                Map.of(
                        "AZURE_STORAGE_CONNECTION_STRING",
                        "BlobEndpoint=https://other.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x"));
        assertThat(other.endpoint()).isEqualTo("https://devstoreaccount1.blob.core.windows.net");
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
        AzureAccess a = access(
                "az://c/m",
                Map.of(
                        "RCLONE_CONFIG_AZ_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_AZ_ACCOUNT",
                        "acct",
                        "RCLONE_CONFIG_AZ_KEY",
                        "a2V5"));
        assertThat(a.auth())
                .isEqualTo(new AzureAuth.AccountKey(
                        "acct", "a2V5", "account key in RCLONE_CONFIG_AZ_KEY for account 'acct' (settings map)"));
        assertThat(a.endpoint()).isEqualTo("https://acct.blob.core.windows.net");
        assertThat(auth("az://c/m", Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob", "RCLONE_CONFIG_AZ_ACCOUNT", "acct")))
                .isInstanceOf(AzureAuth.Anonymous.class);
        a = access(
                "az://c/m",
                Map.of(
                        "RCLONE_CONFIG_AZ_TYPE",
                        "azureblob",
                        "RCLONE_CONFIG_AZ_SAS_URL",
                        "https://acct.blob.core.windows.net/c?sv=1&sig=s"));
        assertThat(a.auth()).isInstanceOf(AzureAuth.Sas.class);
        assertThat(((AzureAuth.Sas) a.auth()).token()).isEqualTo("sv=1&sig=s");
        assertThat(a.endpoint()).isEqualTo("https://acct.blob.core.windows.net");
        assertThat(identity(
                        "az://c/m",
                        Map.of(
                                "RCLONE_CONFIG_AZ_TYPE",
                                "azureblob",
                                "RCLONE_CONFIG_AZ_ACCOUNT",
                                "acct",
                                "RCLONE_CONFIG_AZ_USE_MSI",
                                "true",
                                "RCLONE_CONFIG_AZ_MSI_CLIENT_ID",
                                "mid")))
                .isEqualTo(new AzureIdentity.Managed("mid"));
        assertThat(identity(
                        "az://c/m",
                        Map.of(
                                "RCLONE_CONFIG_AZ_TYPE",
                                "azureblob",
                                "RCLONE_CONFIG_AZ_ACCOUNT",
                                "acct",
                                "RCLONE_CONFIG_AZ_ENV_AUTH",
                                "true")))
                .isEqualTo(new AzureIdentity.Managed(null));
        a = access("az://c/m", Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob", "RCLONE_CONFIG_AZ_USE_EMULATOR", "true"));
        assertThat(a.endpoint()).isEqualTo(AzureAuthResolver.EMULATOR_ENDPOINT);
        assertThat(((AzureAuth.AccountKey) a.auth()).account()).isEqualTo("devstoreaccount1");
        assertThatThrownBy(() -> auth("az://c/m", Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("RCLONE_CONFIG_AZ_ACCOUNT");
        // one truthy rule: "yes" is true here as for S3 and GCS, and a typo is an error naming the variable
        a = access("az://c/m", Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob", "RCLONE_CONFIG_AZ_USE_EMULATOR", "yes"));
        assertThat(a.endpoint()).isEqualTo(AzureAuthResolver.EMULATOR_ENDPOINT);
        assertThatThrownBy(() -> auth(
                        "az://c/m",
                        Map.of("RCLONE_CONFIG_AZ_TYPE", "azureblob", "RCLONE_CONFIG_AZ_USE_EMULATOR", "ture")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("RCLONE_CONFIG_AZ_USE_EMULATOR (settings map) must be one of");
    }
}
