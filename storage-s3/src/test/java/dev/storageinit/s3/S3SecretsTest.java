package dev.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.StorageException;
import dev.storageinit.testkit.SecretLeaks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Malformed secret keys and session tokens, KServe's and rclone's, against s3proxy: none of them leaks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3SecretsTest {
    private final AtomicInteger runs = new AtomicInteger();
    private S3Fixture store;

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws Exception {
        store = new S3Fixture(S3ProxyServer.shared());
        store.put("model/config.json", "{}".getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    void stop() {
        store.close();
    }

    private void check(String uri, Map<String, String> settings, String secret) {
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            StorageException e = leaks.download(uri, temp.resolve("d" + runs.incrementAndGet()), settings);
            leaks.assertNoLeak(secret);
            assertThat(e).as(leaks.recorded()).isNotNull();
            assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("unexpected error");
        }
    }

    @Test
    void malformedKserveSecretKeyAndSessionToken() {
        for (String bad : SecretLeaks.corpus()) {
            Map<String, String> key = S3Fixture.kserveEnv(store.server);
            key.put("AWS_SECRET_ACCESS_KEY", bad);
            check(store.uri("model"), key, bad);
            Map<String, String> token = S3Fixture.kserveEnv(store.server);
            token.put("AWS_SESSION_TOKEN", bad);
            check(store.uri("model"), token, bad);
        }
    }

    @Test
    void malformedRcloneSecretKey() {
        for (String bad : SecretLeaks.corpus()) {
            Map<String, String> env = S3Fixture.rcloneEnv(store.server, "s3");
            env.put("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", bad);
            check(store.uri("model"), env, bad);
        }
    }
}
