package dev.storageinit.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.StorageException;
import dev.storageinit.testkit.SecretLeaks;
import dev.storageinit.testkit.gcs.GcsJsonApiServer;
import dev.storageinit.testkit.gcs.ServiceAccountKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed service-account JSON and keys (in a GOOGLE_APPLICATION_CREDENTIALS file and in rclone's
 * SERVICE_ACCOUNT_CREDENTIALS) and malformed access tokens against the GCS fixture: none of them leaks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GcsSecretsTest {
    private static final String EMAIL = "leaks@fixture-project.iam.gserviceaccount.com";
    private final AtomicInteger runs = new AtomicInteger();
    private GcsJsonApiServer server;
    private String goodJson;

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws Exception {
        server = GcsJsonApiServer.start();
        server.bucket("private-models")
                .requireToken(true)
                .put("llama/config.json", "{}".getBytes(StandardCharsets.UTF_8));
        KeyPair key = ServiceAccountKeys.rsa();
        server.trustServiceAccount(EMAIL, key.getPublic());
        goodJson = ServiceAccountKeys.json(EMAIL, key, server.tokenUri());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private void check(Map<String, String> settings, String... secrets) {
        Map<String, String> m = new HashMap<>(settings);
        m.put("STORAGE_EMULATOR_HOST", server.endpoint());
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            StorageException e =
                    leaks.download("gs://private-models/llama", temp.resolve("d" + runs.incrementAndGet()), m);
            leaks.assertNoLeak(secrets);
            assertThat(e).as(leaks.recorded()).isNotNull();
            assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("unexpected error");
        }
    }

    private static String json(String s) {
        return GcsJsonApiServer.Json.quote(s);
    }

    /** Credentials JSON texts that hold {@code bad}: as the key, inside a key, as the whole text, cut short. */
    private List<String> credentials(String bad) {
        String pemStart = "-----BEGIN PRIVATE KEY-----\\n";
        int body = goodJson.indexOf(pemStart) + pemStart.length();
        List<String> out = new ArrayList<>();
        out.add(goodJson.replaceFirst(
                "\"private_key\": \"[^\"]*\"", Matcher.quoteReplacement("\"private_key\": " + json(bad))));
        out.add(goodJson.substring(0, body + 40)
                + json(bad).substring(1, json(bad).length() - 1)
                + goodJson.substring(body + 40));
        out.add(bad);
        out.add("{\"type\": \"service_account\", \"private_key\": \"" + bad);
        return out;
    }

    @Test
    void malformedCredentialsFile() throws Exception {
        for (String bad : SecretLeaks.corpus()) {
            for (String content : credentials(bad)) {
                Path file = temp.resolve("key" + runs.incrementAndGet() + ".json");
                Files.writeString(file, content);
                check(Map.of("GOOGLE_APPLICATION_CREDENTIALS", file.toString()), bad);
            }
        }
    }

    @Test
    void malformedRcloneServiceAccountCredentialsAndToken() {
        for (String bad : SecretLeaks.corpus()) {
            for (String content : credentials(bad)) {
                check(
                        Map.of(
                                "RCLONE_CONFIG_GS_TYPE",
                                "google cloud storage",
                                "RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS",
                                content),
                        bad);
            }
            check(Map.of("RCLONE_CONFIG_GS_TYPE", "google cloud storage", "RCLONE_CONFIG_GS_ACCESS_TOKEN", bad), bad);
        }
    }
}
