package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.storageinit.testkit.SecretLeaks;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar as a process with malformed Azure secrets, with and without {@code --verbose}:
 * stdout and stderr hold no trace of them, and without {@code --verbose} the failure is one line (besides the
 * INFO line naming the credential used).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliSecretsIT {
    private static final String URI = "https://devstoreaccount1.blob.core.windows.net/models/model";
    private static final String SAS_HEAD = "sv=2021-08-06&ss=b&srt=sco&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=";
    /** A blob service that refuses every request the way Azure refuses a bad signature. */
    private HttpServer refusing;

    private int runs;

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws IOException {
        refusing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        refusing.createContext("/", exchange -> {
            byte[] body = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code>"
                            + "<Message>Server failed to authenticate the request.</Message></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("x-ms-error-code", "AuthenticationFailed");
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(403, "HEAD".equals(exchange.getRequestMethod()) ? -1 : body.length);
            if (!"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        refusing.start();
    }

    @AfterAll
    void stop() {
        refusing.stop(0);
    }

    private String endpoint() {
        return "http://127.0.0.1:" + refusing.getAddress().getPort() + "/devstoreaccount1";
    }

    private Jar.Run java(Map<String, String> env, String... args) throws IOException, InterruptedException {
        runs++;
        return Jar.in(temp).withEnv(env).waitingAtMost(Duration.ofSeconds(120)).run(args);
    }

    /** Runs with and without --verbose; asserts no trace of {@code secret} and the exit code. */
    private void check(String uri, Map<String, String> env, String secret, int exitCode) throws Exception {
        for (boolean verbose : List.of(false, true)) {
            Map<String, String> e = new java.util.HashMap<>(env);
            e.put("AZURE_STORAGE_BLOB_ENDPOINT", endpoint());
            String dest = temp.resolve("d" + runs).toString();
            Jar.Run r = verbose ? java(e, "--verbose", uri, dest) : java(e, uri, dest);
            try (SecretLeaks leaks = SecretLeaks.capture()) {
                leaks.record(r.out());
                leaks.record(r.err());
                leaks.assertNoLeak(secret);
            }
            assertThat(r.code()).as(r.err()).isEqualTo(exitCode);
            if (!verbose) {
                assertThat(r.err().lines().filter(l -> !l.startsWith("INFO ")))
                        .as("one line, no SDK warnings, no stack trace")
                        .hasSize(1)
                        .allMatch(l -> l.startsWith("storage-initializer: "));
            }
        }
    }

    @Test
    void malformedSasInTheUri() throws Exception {
        for (String bad : List.of(
                SecretLeaks.corpus().get(0),
                SecretLeaks.corpus().get(1),
                SecretLeaks.corpus().get(5))) {
            check(URI + "?" + SAS_HEAD + bad, Map.of(), bad, Main.INVALID);
        }
    }

    @Test
    void refusedSasInTheUriAndInTheAccessKey() throws Exception {
        String sent = SecretLeaks.corpus().get(8);
        check(URI + "?" + SAS_HEAD + sent, Map.of(), sent, Main.ACCESS_DENIED);
        check(URI, Map.of("AZURE_STORAGE_ACCESS_KEY", SAS_HEAD + sent), sent, Main.ACCESS_DENIED);
    }

    @Test
    void malformedAccessKeyAndConnectionString() throws Exception {
        String bad = SecretLeaks.corpus().get(2);
        check(URI, Map.of("AZURE_STORAGE_ACCESS_KEY", SAS_HEAD + bad), bad, Main.INVALID);
        check(URI, Map.of("AZURE_STORAGE_ACCESS_KEY", bad), bad, Main.INVALID);
        check(
                URI,
                Map.of("AZURE_STORAGE_CONNECTION_STRING", "AccountName=devstoreaccount1;AccountKey=" + bad),
                bad,
                Main.INVALID);
    }
}
