package dev.storageinit.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.testkit.SecretLeaks;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Azure identity on the one data path, against Azurite over https with {@code --oauth basic}: azure-identity's
 * managed-identity credential (App Service's {@code IDENTITY_ENDPOINT} + {@code IDENTITY_HEADER}, which the module's
 * pom sets for the test JVM) gets its tokens from a token endpoint on 127.0.0.1 that answers with JWTs whose issuer,
 * audience and lifetime Azurite checks. The client id picks the answer: a storage token, one for another audience,
 * or a refusal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureTokenTest {
    private static final String STORAGE = "https://storage.azure.com";
    private final Map<String, List<String>> issued = new HashMap<>();
    private final List<String> resources = new ArrayList<>();
    private final AtomicInteger serial = new AtomicInteger();
    private String identityHeader;
    private HttpServer identity;
    private AzuriteFixture store;
    private byte[] weights;

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws Exception {
        String endpoint = System.getenv("IDENTITY_ENDPOINT");
        identityHeader = System.getenv("IDENTITY_HEADER");
        if (endpoint == null || identityHeader == null || !endpoint.startsWith("http://127.0.0.1:")) {
            throw new AssertionError("IDENTITY_ENDPOINT and IDENTITY_HEADER must be set for this JVM, to a port on "
                    + "127.0.0.1: run the tests through Maven (storage-azure's pom sets them)");
        }
        URI uri = URI.create(endpoint);
        identity = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), uri.getPort()), 0);
        identity.createContext(uri.getPath(), this::token);
        identity.start();
        store = new AzuriteFixture("token", null, AzuriteServer.withOAuth());
        weights = new byte[1 << 20];
        new Random(7).nextBytes(weights);
        store.put("model/config.json", "{}".getBytes(StandardCharsets.UTF_8));
        store.put("model/weights.bin", weights);
    }

    @AfterAll
    void stop() {
        if (identity != null) {
            identity.stop(0);
        }
        if (store != null) {
            store.close();
        }
    }

    /** App Service's token endpoint: {@code GET ?api-version=2019-08-01&resource=...&client_id=...}. */
    private void token(HttpExchange x) throws IOException {
        Map<String, String> q = new HashMap<>();
        for (String p : x.getRequestURI().getRawQuery().split("&")) {
            int eq = p.indexOf('=');
            q.put(p.substring(0, eq), URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
        }
        String client = q.getOrDefault("client_id", "");
        int status = 200;
        String body;
        if (!identityHeader.equals(x.getRequestHeaders().getFirst("X-IDENTITY-HEADER"))) {
            status = 401;
            body = "{\"error\":\"unauthorized\",\"error_description\":\"X-IDENTITY-HEADER is wrong\"}";
        } else if (client.startsWith("refused")) {
            status = 400;
            body = "{\"error\":\"invalid_request\",\"error_description\":\"no identity for this client id\"}";
        } else {
            long expires = Instant.now().getEpochSecond() + 3600;
            String token = jwt(client.startsWith("other-audience") ? "https://management.azure.com" : STORAGE, expires);
            synchronized (this) {
                issued.computeIfAbsent(client, c -> new ArrayList<>()).add(token);
                resources.add(q.get("resource"));
            }
            body = "{\"access_token\":\"" + token + "\",\"expires_on\":\"" + expires + "\",\"resource\":\""
                    + q.get("resource") + "\",\"token_type\":\"Bearer\",\"client_id\":\"" + client + "\"}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A JWT as Azure AD issues them, with a signature no one checks: it holds {@link SecretLeaks#MARKER}. */
    private String jwt(String audience, long expires) {
        long now = Instant.now().getEpochSecond();
        String claims = "{\"aud\":\"" + audience + "\",\"iss\":\"https://sts.windows.net/"
                + "72f988bf-86f1-41af-91ab-2d7cd011db47/\",\"iat\":" + (now - 60) + ",\"nbf\":" + (now - 60)
                + ",\"exp\":" + expires + ",\"oid\":\"test-" + serial.incrementAndGet() + "\"}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + SecretLeaks.MARKER + "Sig"
                + serial.get();
    }

    private Map<String, String> settings(String clientId) {
        Map<String, String> m = new HashMap<>(store.endpointOnly());
        m.put("AZURE_CLIENT_ID", clientId);
        return m;
    }

    private synchronized List<String> issuedTo(String client) {
        return List.copyOf(issued.getOrDefault(client, List.of()));
    }

    @Test
    void aManagedIdentityTokenDownloadsAndOneTokenServesEveryRequest() throws Exception {
        Path dir = temp.resolve("good");
        try (SecretLeaks leaks = SecretLeaks.capture();
                Storage s = Storage.builder()
                        .concurrency(4)
                        .partSize(64 << 10)
                        .multipartThreshold(128 << 10)
                        .listener(leaks.listener())
                        .build()) {
            s.download(DownloadRequest.builder(store.uri("model"), dir)
                    .settings(CredentialSource.of(settings("good-client")))
                    .build());
            assertThat(Files.readAllBytes(dir.resolve("weights.bin"))).isEqualTo(weights);
            assertThat(dir.resolve("config.json")).hasContent("{}");
            // a listing, 16 ranges and a small blob, all signed with the one token
            assertThat(issuedTo("good-client")).hasSize(1);
            synchronized (this) {
                assertThat(resources).containsOnly(STORAGE);
            }
            assertThat(leaks.recorded()).contains("using Azure identity: managed identity for AZURE_CLIENT_ID");
            leaks.assertNoLeak(issuedTo("good-client").get(0));
        }
    }

    @Test
    void aTokenForAnotherAudienceIsAccessDeniedNamingTheCredential() {
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            StorageException e =
                    leaks.download(store.uri("model"), temp.resolve("audience"), settings("other-audience-client"));
            assertThat(e)
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith(store.uri("model"))
                    .hasMessageContaining("AuthenticationFailed")
                    .hasMessageContaining("credentials: Azure identity: managed identity for AZURE_CLIENT_ID");
            assertThat(issuedTo("other-audience-client")).isNotEmpty();
            leaks.assertNoLeak(issuedTo("other-audience-client").toArray(new String[0]));
        }
    }

    @Test
    void aRefusedTokenRequestIsAccessDeniedNamingTheCredential() {
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            StorageException e =
                    leaks.download(store.uri("model"), temp.resolve("refused"), settings("refused-client"));
            assertThat(e)
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith(store.uri("model"))
                    .hasMessageContaining(
                            "could not get a token using Azure identity: managed identity for AZURE_CLIENT_ID");
            assertThat(e.getMessage()).doesNotContain("\n");
        }
    }
}
