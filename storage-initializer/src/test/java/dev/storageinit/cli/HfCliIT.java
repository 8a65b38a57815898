package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.testkit.SecretLeaks;
import dev.storageinit.testkit.hf.FakeHub;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar as KServe's init container runs it for {@code storageUri: hf://...}: the token from a Secret as
 * {@code HF_TOKEN}, the webhook's Hugging Face variables, and a gated repository on the fake Hub.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HfCliIT {
    private static final String URI = "hf://meta-llama/Llama-3.2-1B-Instruct";
    private static final String TOKEN = "hf_kserveSecretTokenAbCdEf0123456789";

    private FakeHub hub;
    private final Map<String, byte[]> model = new HashMap<>();

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws IOException {
        hub = FakeHub.start();
        byte[] weights = new byte[(40 << 20) + 3];
        new Random(5).nextBytes(weights);
        model.put("model.safetensors", weights);
        model.put("config.json", "{\"model_type\": \"llama\"}".getBytes(StandardCharsets.UTF_8));
        model.put("tokenizer.json", "{\"version\": \"1.0\"}".getBytes(StandardCharsets.UTF_8));
        model.put("original/params.json", "{\"dim\": 2048}".getBytes(StandardCharsets.UTF_8));
        hub.repo("meta-llama/Llama-3.2-1B-Instruct").gated(true).grant(TOKEN).commit(model);
    }

    @AfterAll
    void stop() {
        hub.close();
    }

    /** What KServe's webhook and a Secret with {@code HF_TOKEN} put into the init container's environment. */
    private Map<String, String> kserve(String token) {
        return Map.of(
                "HF_TOKEN", token,
                "HF_ENDPOINT", hub.endpoint(),
                "HF_HUB_ENABLE_HF_TRANSFER", "1",
                "HF_XET_HIGH_PERFORMANCE", "1",
                "HF_XET_NUM_CONCURRENT_RANGE_GETS", "8",
                "HOME", temp.toString(),
                "LANG", "C.UTF-8");
    }

    private Jar.Run java(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return Jar.in(temp).keepingOnly("PATH", "JAVA_HOME").withEnv(env).run(args);
    }

    @Test
    void aKServeEnvironmentWithHfTokenDownloadsAGatedRepository() throws Exception {
        Path dest = temp.resolve("mnt-models");
        Jar.Run r = java(kserve(TOKEN), URI, dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("done " + URI + " -> " + dest);
        assertThat(r.err()).contains("token: HF_TOKEN (environment)");
        try (Stream<Path> walk = Files.walk(dest)) {
            assertThat(walk.filter(Files::isRegularFile)
                            .map(p -> dest.relativize(p).toString())
                            .filter(p -> !p.startsWith(".storage-initializer"))
                            .collect(Collectors.toList()))
                    .containsExactlyInAnyOrderElementsOf(model.keySet());
        }
        for (Map.Entry<String, byte[]> e : model.entrySet()) {
            assertThat(Files.readAllBytes(dest.resolve(e.getKey())))
                    .as(e.getKey())
                    .isEqualTo(e.getValue());
        }
        assertThat(hub.cdnRefusedForAuthorization()).isZero();
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            leaks.record(r.out());
            leaks.record(r.err());
            leaks.assertNoLeak(TOKEN);
        }
    }

    @Test
    void aWrongTokenIsExitFourWithOneLineThatDoesNotHoldTheToken() throws Exception {
        String wrong = "hf_wrongTokenFromAStaleSecret98765";
        for (List<String> flags : List.of(List.<String>of(), List.of("--verbose"))) {
            List<String> args = new java.util.ArrayList<>(flags);
            args.addAll(List.of(URI, temp.resolve("wrong" + flags.size()).toString()));
            Jar.Run r = java(kserve(wrong), args.toArray(String[]::new));
            assertThat(r.code()).as(r.err()).isEqualTo(Main.ACCESS_DENIED).isEqualTo(4);
            try (SecretLeaks leaks = SecretLeaks.capture()) {
                leaks.record(r.out());
                leaks.record(r.err());
                leaks.assertNoLeak(wrong);
            }
            if (flags.isEmpty()) {
                assertThat(r.err().lines().filter(l -> !l.startsWith("INFO ")))
                        .as("one line, no stack trace")
                        .singleElement()
                        .satisfies(l -> assertThat(l)
                                .startsWith("storage-initializer: access denied: " + URI + ": ")
                                .contains("Invalid credentials in Authorization header")
                                .contains("HF_TOKEN (environment)")
                                .contains("Set HF_TOKEN or request access to the gated repository"));
            }
        }
    }
}
