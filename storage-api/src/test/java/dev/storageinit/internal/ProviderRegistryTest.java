package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProviderRegistryTest {
    private record Fake(String name, Set<String> schemes, Match https, Set<String> rcloneTypes)
            implements StorageProvider {
        Fake(String name, Set<String> schemes, Match https) {
            this(name, schemes, https, Set.of());
        }

        @Override
        public Match match(ModelUri uri, CredentialSource settings) {
            if (uri.scheme().equals("https")) {
                return https;
            }
            return StorageProvider.super.match(uri, settings);
        }

        @Override
        public ObjectSource open(ModelUri uri, SourceContext context) {
            throw new UnsupportedOperationException();
        }
    }

    private final Fake http = new Fake("http", Set.of("http", "https"), StorageProvider.Match.GENERIC);
    private final Fake azure = new Fake("azure", Set.of("https"), StorageProvider.Match.EXACT);
    private final Fake s3 = new Fake("s3", Set.of("s3"), StorageProvider.Match.NONE);

    @Test
    void theStrongestClaimWins() throws Exception {
        ProviderRegistry r = ProviderRegistry.of(List.of(http, azure, s3));
        assertThat(r.select(ModelUri.parse("https://a.blob.core.windows.net/c/p"), CredentialSource.none()))
                .isSameAs(azure);
        assertThat(r.select(ModelUri.parse("s3://b/p"), CredentialSource.none()))
                .isSameAs(s3);
        assertThat(r.select(ModelUri.parse("http://h/p"), CredentialSource.none()))
                .isSameAs(http);
    }

    @Test
    void anEqualClaimIsAnErrorNamingBoth() {
        Fake other = new Fake("other-s3", Set.of("s3"), StorageProvider.Match.NONE);
        ProviderRegistry r = ProviderRegistry.of(List.of(s3, other));
        assertThatThrownBy(() -> r.select(ModelUri.parse("s3://b/p"), CredentialSource.none()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("other-s3")
                .hasMessageContaining("s3 (");
    }

    @Test
    void anUnknownSchemeListsTheInstalledProviders() {
        ProviderRegistry r = ProviderRegistry.of(List.of(s3, http));
        assertThatThrownBy(() -> r.select(ModelUri.parse("gs://b/p"), CredentialSource.none()))
                .isInstanceOf(InvalidUriException.class)
                .hasMessage(
                        "gs://b/p: no installed provider handles scheme 'gs'; installed: http (http, https), s3 (s3)");
        assertThatThrownBy(() ->
                        ProviderRegistry.of(List.of()).select(ModelUri.parse("gs://b/p"), CredentialSource.none()))
                .hasMessageContaining("add a storage-* module");
    }

    @Test
    void anRcloneRemoteGoesToTheProviderOfItsTypeWhateverItsName() throws Exception {
        Fake s3r = new Fake("s3", Set.of("s3"), StorageProvider.Match.NONE, Set.of("s3"));
        Fake gcs = new Fake("gcs", Set.of("gs"), StorageProvider.Match.NONE, Set.of("google cloud storage", "gcs"));
        Fake az = new Fake("azure", Set.of("https"), StorageProvider.Match.EXACT, Set.of("azureblob"));
        ProviderRegistry r = ProviderRegistry.of(List.of(http, s3r, gcs, az));
        CredentialSource settings = CredentialSource.of(java.util.Map.of(
                "RCLONE_CONFIG_MY_AZ_TYPE",
                "azureblob",
                "RCLONE_CONFIG_MY_S3_TYPE",
                "s3",
                "RCLONE_CONFIG_GS_TYPE",
                "S3",
                "RCLONE_CONFIG_ODD_TYPE",
                "ftp",
                "RCLONE_CONFIG_HTTPS_TYPE",
                "s3"));
        assertThat(r.select(ModelUri.parse("my-az://container/p"), settings)).isSameAs(az);
        assertThat(r.select(ModelUri.parse("my-s3://bucket/p"), settings)).isSameAs(s3r);
        assertThat(r.select(ModelUri.parse("gs://bucket/p"), settings)).isSameAs(s3r); // a remote named gs, of type s3
        assertThat(r.select(ModelUri.parse("gs://bucket/p"), CredentialSource.none()))
                .isSameAs(gcs);
        assertThat(r.select(ModelUri.parse("https://a.blob.core.windows.net/c/p"), settings))
                .isSameAs(az);
        assertThatThrownBy(() -> r.select(ModelUri.parse("odd://b/p"), settings))
                .isInstanceOf(InvalidUriException.class)
                .hasMessageStartingWith("odd://b/p: RCLONE_CONFIG_ODD_TYPE declares an rclone remote of type 'ftp', "
                        + "which no installed provider serves; installed: ");
        CredentialSource ftpGs = CredentialSource.of(java.util.Map.of("RCLONE_CONFIG_GS_TYPE", "ftp"));
        assertThatThrownBy(() -> r.select(ModelUri.parse("gs://b/p"), ftpGs)).isInstanceOf(InvalidUriException.class);
    }
}
