package dev.storageinit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.StorageException;
import dev.storageinit.testkit.SecretLeaks;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Malformed secrets in per-host headers, in a signed URL's query and in userinfo: none of them leaks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpSecretsTest {
    private final AtomicInteger runs = new AtomicInteger();
    private HttpFixture server;

    @TempDir
    Path temp;

    @BeforeAll
    void start() {
        server = new HttpFixture();
        server.put("/files/model.bin", "weights".getBytes(StandardCharsets.UTF_8));
        server.put("/private/model.bin", "weights".getBytes(StandardCharsets.UTF_8));
        server.require("/private/model.bin", "Authorization", "Bearer the-right-one");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private void check(String url, Map<String, String> settings, String... secrets) {
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            StorageException e = leaks.download(url, temp.resolve("d" + runs.incrementAndGet()), settings);
            leaks.assertNoLeak(secrets);
            if (e != null) {
                assertThat(e.getMessage())
                        .as(leaks.recorded())
                        .doesNotContain("\n")
                        .doesNotContain("unexpected error")
                        .doesNotContain("Exception");
            }
        }
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Test
    void malformedTokenInPerHostHeaders() {
        for (String bad : SecretLeaks.corpus()) {
            for (String path : List.of("/private/model.bin", "/files/model.bin")) {
                check(
                        server.url(path),
                        Map.of(
                                "127.0.0.1-headers",
                                "{\"Authorization\": \"Bearer " + json(bad) + "\", \"X-Key\": \"" + json(bad) + "\"}"),
                        bad);
                check(
                        server.url(path),
                        Map.of("127.0.0.1-headers", "{\"Authorization\": \"Bearer " + bad + "\"}"),
                        bad);
            }
        }
    }

    @Test
    void malformedSignatureInTheQuery() {
        for (String bad : SecretLeaks.corpus()) {
            for (String sig : List.of(bad, URLEncoder.encode(bad, StandardCharsets.UTF_8))) {
                String query = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA" + SecretLeaks.MARKER
                        + "%2F20250101&X-Amz-Signature=" + sig + "&sig=" + sig;
                check(server.url("/files/model.bin") + query, Map.of(), bad, sig, "AKIA" + SecretLeaks.MARKER);
                check(server.url("/absent/model.bin") + query, Map.of(), bad, sig);
            }
        }
    }

    @Test
    void malformedPasswordInTheUrl() {
        for (String bad : SecretLeaks.corpus()) {
            String pw = URLEncoder.encode(bad, StandardCharsets.UTF_8);
            check("http://alice:" + pw + "@127.0.0.1:" + server.port() + "/private/model.bin", Map.of(), bad, pw);
        }
    }
}
