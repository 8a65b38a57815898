package dev.storageinit.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KServe's cluster CA bundle is honoured by the default (JDK HttpClient) data path, like every https provider. */
class AzureClusterCaBundleTest {
    @TempDir
    Path temp;

    @Test
    void aMissingClusterBundleIsAConfigurationErrorNamingTheFile() throws Exception {
        CredentialSource settings = CredentialSource.of(
                Map.of("CA_BUNDLE_CONFIGMAP_NAME", "custom-certs", "CA_BUNDLE_VOLUME_MOUNT_POINT", temp.toString()));
        assertThatThrownBy(() -> new AzureProvider()
                        .open(
                                ModelUri.parse("https://acct.blob.core.windows.net/models/m"),
                                new SourceContext(settings, 4)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(temp.resolve("cabundle.crt").toString())
                .hasMessageContaining("CA_BUNDLE_CONFIGMAP_NAME");
    }

    @Test
    void withoutTheSettingTheSourceOpens() throws Exception {
        try (ObjectSource source = new AzureProvider()
                .open(
                        ModelUri.parse("https://acct.blob.core.windows.net/models/m"),
                        new SourceContext(CredentialSource.none(), 4))) {
            assertThat(source.key()).isEqualTo("m");
        }
    }
}
