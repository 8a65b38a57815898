package dev.storageinit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialSourceTest {
    @TempDir
    Path temp;

    @Test
    void mountedSecretDirectoryOneFilePerName() throws Exception {
        Files.writeString(temp.resolve("AWS_SECRET_ACCESS_KEY"), "s3cr3t\n");
        CredentialSource dir = CredentialSource.fromDirectory(temp);
        assertThat(dir.get("AWS_SECRET_ACCESS_KEY")).contains("s3cr3t");
        assertThat(dir.get("MISSING")).isEmpty();
        assertThat(dir.get("../etc/passwd")).isEmpty();
        assertThat(dir.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void firstWinsAndDescribesWhereANameCameFrom() {
        CredentialSource a = CredentialSource.of(Map.of("A", "1"));
        CredentialSource b = CredentialSource.of(Map.of("A", "2", "B", "3", "BLANK", " "));
        CredentialSource both = CredentialSource.first(a, b);
        assertThat(both.get("A")).contains("1");
        assertThat(both.get("B")).contains("3");
        assertThat(both.get("BLANK")).isEmpty();
        assertThat(both.describe("B")).isEqualTo("settings map");
        assertThat(both.description()).isEqualTo("settings map, then settings map");
    }

    @Test
    void toStringNamesKeysNeverValues() {
        CredentialSource s = CredentialSource.of(Map.of("AWS_SECRET_ACCESS_KEY", "topsecret"));
        assertThat(s.toString()).contains("AWS_SECRET_ACCESS_KEY").doesNotContain("topsecret");
        assertThat(CredentialSource.environment().toString()).isEqualTo("CredentialSource[environment]");
    }
}
