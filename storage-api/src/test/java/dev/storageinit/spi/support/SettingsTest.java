package dev.storageinit.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @TempDir
    Path temp;

    private static Settings of(String... pairs) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return Settings.of(CredentialSource.of(m), "s3://b/k");
    }

    @Test
    void theReadTimeoutIsTheProvidersOwnNameThenTheSharedOneThenTheDefault() throws Exception {
        Duration dflt = Duration.ofSeconds(30);
        assertThat(of().readTimeout("S3_READ_TIMEOUT", dflt)).isEqualTo(dflt);
        assertThat(of().readTimeoutName("S3_READ_TIMEOUT")).isEqualTo(Settings.READ_TIMEOUT);
        Settings shared = of(Settings.READ_TIMEOUT, "1.5");
        assertThat(shared.readTimeout("S3_READ_TIMEOUT", dflt)).isEqualTo(Duration.ofMillis(1500));
        assertThat(shared.readTimeout(null, dflt)).isEqualTo(Duration.ofMillis(1500));
        Settings both = of(Settings.READ_TIMEOUT, "1.5", "S3_READ_TIMEOUT", "7");
        assertThat(both.readTimeout("S3_READ_TIMEOUT", dflt)).isEqualTo(Duration.ofSeconds(7));
        assertThat(both.readTimeoutName("S3_READ_TIMEOUT")).isEqualTo("S3_READ_TIMEOUT");
        assertThat(both.readTimeout(null, dflt)).isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> of(Settings.READ_TIMEOUT, "soon").readTimeout(null, dflt))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("STORAGE_READ_TIMEOUT (settings map)");
    }

    @Test
    void valuesAreTrimmedAndBlankIsAbsent() throws Exception {
        Settings s = of("A", "  x ", "B", "   ");
        assertThat(s.get("A")).hasValueSatisfying(v -> {
            assertThat(v.value()).isEqualTo("x");
            assertThat(v.origin()).isEqualTo("settings map");
            assertThat(v).hasToString("A (settings map)");
        });
        assertThat(s.get("B")).isEmpty();
        assertThat(s.string("C")).isEmpty();
        assertThat(s.describe("C")).isEqualTo("C (settings map)");
    }

    @Test
    void oneTruthyRuleAndAnythingElseIsAnErrorNamingTheVariable() throws Exception {
        for (String t : List.of("1", "true", "TRUE", "Yes", "on")) {
            assertThat(of("F", t).flag("F", false)).as(t).isTrue();
        }
        for (String f : List.of("0", "false", "False", "NO", "off")) {
            assertThat(of("F", f).flag("F", true)).as(f).isFalse();
        }
        assertThat(of().flag("F", true)).isTrue();
        assertThatThrownBy(() -> of("S3_VERIFY_SSL", "maybe").flag("S3_VERIFY_SSL", true))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("s3://b/k: S3_VERIFY_SSL (settings map) must be one of 1, true, yes, on or 0, false, no, "
                        + "off, got 'maybe'");
    }

    @Test
    void numbersAndSeconds() throws Exception {
        Settings s = of("N", "7", "Z", "0", "T", "1.5", "BAD", "x", "NEG", "-1", "HUGE", "90000");
        assertThat(s.positiveInt("N", 1)).isEqualTo(7);
        assertThat(s.positiveInt("UNSET", 3)).isEqualTo(3);
        assertThat(s.nonNegativeLong("Z", 5)).isZero();
        assertThat(s.seconds("T", Duration.ZERO)).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.get("Z").orElseThrow().secondsOrZero()).isZero();
        assertThatThrownBy(() -> s.positiveInt("Z", 1))
                .hasMessage("s3://b/k: Z (settings map) must be a whole " + "number >= 1, got '0'");
        assertThatThrownBy(() -> s.nonNegativeLong("NEG", 1))
                .hasMessageContaining("NEG (settings map) must be a " + "whole number >= 0");
        assertThatThrownBy(() -> s.seconds("Z", Duration.ZERO))
                .hasMessageContaining("Z (settings map) must be a " + "number of seconds above 0");
        assertThatThrownBy(() -> s.seconds("HUGE", Duration.ZERO)).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> s.seconds("BAD", Duration.ZERO)).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void aSecretLikeValueIsNotQuoted() {
        assertThatThrownBy(() -> of("AWS_SECRET_ACCESS_KEY", "hunter2").positiveInt("AWS_SECRET_ACCESS_KEY", 1))
                .hasMessageContaining("AWS_SECRET_ACCESS_KEY (settings map)")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void firstOfJsonPathAndChoices() throws Exception {
        Settings s = of("B", "b", "J", "{\"k\": 1}", "BADJ", "{nope", "P", "/tmp/x", "C", "SDK");
        assertThat(s.firstOf("A", "B", "C").orElseThrow().name()).isEqualTo("B");
        assertThat(s.firstOf("X", "Y")).isEmpty();
        assertThat(s.json("J").orElseThrow()).isInstanceOf(Map.class);
        assertThatThrownBy(() -> s.json("BADJ")).hasMessage("s3://b/k: BADJ (settings map) is not valid JSON");
        assertThat(s.path("P")).contains(Path.of("/tmp/x"));
        assertThat(s.get("C").orElseThrow().oneOf("jdk", "sdk")).isEqualTo("sdk");
        assertThatThrownBy(() -> s.get("B").orElseThrow().oneOf("jdk", "sdk"))
                .hasMessage("s3://b/k: B (settings map) must be jdk or sdk, got 'b'");
    }

    @Test
    void anUnreadableSecretFileIsAConfigurationErrorNamingTheVariable() throws Exception {
        Path dir = Files.createDirectory(temp.resolve("secrets"));
        Files.createDirectory(dir.resolve("AWS_ACCESS_KEY_ID")); // a directory where a file is expected
        Files.writeString(dir.resolve("REGION"), "eu-west-1\n");
        Settings s = Settings.of(CredentialSource.fromDirectory(dir), "s3://b/k");
        assertThat(s.get("REGION").orElseThrow()).hasToString("REGION (directory " + dir + ")");
        assertThatThrownBy(() -> s.get("AWS_ACCESS_KEY_ID"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("s3://b/k: cannot read setting AWS_ACCESS_KEY_ID from directory " + dir);
    }
}
