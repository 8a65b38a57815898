package dev.storageinit.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RcloneRemoteTest {
    private static Settings settings(Map<String, String> m) {
        return Settings.of(CredentialSource.of(m), "x");
    }

    @Test
    void oneNameMangling() {
        assertThat(RcloneRemote.prefixOf("minio")).isEqualTo("RCLONE_CONFIG_MINIO_");
        assertThat(RcloneRemote.prefixOf("my-az")).isEqualTo("RCLONE_CONFIG_MY_AZ_");
        assertThat(RcloneRemote.prefixOf("a.b+c9")).isEqualTo("RCLONE_CONFIG_A_B_C9_");
    }

    @Test
    void aDashedRemoteIsFoundWithItsType() throws Exception {
        RcloneRemote r = RcloneRemote.of(
                        ModelUri.parse("my-az://container/path"),
                        settings(Map.of("RCLONE_CONFIG_MY_AZ_TYPE", " AzureBlob ")))
                .orElseThrow();
        assertThat(r.name()).isEqualTo("my-az");
        assertThat(r.type()).isEqualTo("azureblob");
        assertThat(r.variable("ACCOUNT")).isEqualTo("RCLONE_CONFIG_MY_AZ_ACCOUNT");
        assertThat(r.isOneOf(Set.of("azureblob"))).isTrue();
        assertThat(r.isOneOf(Set.of("s3"))).isFalse();
        assertThat(RcloneRemote.ofType(
                        ModelUri.parse("my-az://c/p"),
                        settings(Map.of("RCLONE_CONFIG_MY_AZ_TYPE", "azureblob")),
                        List.of("s3")))
                .isEmpty();
    }

    @Test
    void fileHttpAndHttpsAreNeverRemotes() throws Exception {
        Settings s = settings(Map.of(
                "RCLONE_CONFIG_HTTPS_TYPE", "s3", "RCLONE_CONFIG_FILE_TYPE", "s3", "RCLONE_CONFIG_HTTP_TYPE", "s3"));
        for (String uri : List.of("https://h/p", "http://h/p", "file:///p")) {
            assertThat(RcloneRemote.of(ModelUri.parse(uri), s)).as(uri).isEmpty();
        }
        assertThat(RcloneRemote.of(ModelUri.parse("s3://b/k"), settings(Map.of())))
                .isEmpty();
    }
}
