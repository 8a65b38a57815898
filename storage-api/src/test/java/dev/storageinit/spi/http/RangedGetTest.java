package dev.storageinit.spi.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.storageinit.IntegrityException;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.support.Failures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared JDK HTTP path against a loopback server that misbehaves on purpose. */
class RangedGetTest {
    private static final String URI_SHOWN = "https://example.invalid/model";
    private static final byte[] CONTENT = new byte[100_000];

    static {
        for (int i = 0; i < CONTENT.length; i++) {
            CONTENT[i] = (byte) (i * 31 + 7);
        }
    }

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
    private JdkHttp http;

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        servers.forEach(s -> s.stop(0));
    }

    private interface Handler {
        void handle(HttpExchange ex) throws Exception;
    }

    /** A server answering every path with {@code handler}; records each request's headers (lower-case names). */
    private URI serve(Handler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            Map<String, String> h = new ConcurrentHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(), v.get(0)));
            h.put(":authority", "127.0.0.1:" + server.getAddress().getPort());
            seen.add(h);
            try {
                handler.handle(ex);
            } catch (Exception e) {
                // the client sees a cut connection
            } finally {
                ex.close();
            }
        });
        server.start();
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Serves {@code CONTENT}, honouring {@code rangeHeader} unless {@code ignore}. */
    private Handler content(String rangeHeader, boolean ignore) {
        return ex -> {
            ex.getResponseHeaders().add("ETag", "\"v1\"");
            String range = ex.getRequestHeaders().getFirst(rangeHeader);
            if (range == null || ignore) {
                send(ex, 200, CONTENT);
                return;
            }
            String[] ab = range.substring("bytes=".length()).split("-");
            int a = Integer.parseInt(ab[0]);
            int b = Integer.parseInt(ab[1]);
            ex.getResponseHeaders().add("Content-Range", "bytes " + a + "-" + b + "/" + CONTENT.length);
            send(ex, 206, Arrays.copyOfRange(CONTENT, a, b + 1));
        };
    }

    private RangedGet.Builder builder(URI home) {
        http = JdkHttp.create(4, Duration.ofSeconds(5), null);
        return RangedGet.builder(http, new Failures(URI_SHOWN), home).readTimeout(Duration.ofSeconds(5));
    }

    /** The read under test, {@link RangedGet#readDirect}. */
    private static InputStream read(RangedGet get, URI u, RangedGet.Part part, String what) throws StorageException {
        return get.readDirect(u, part, what).body();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Test
    void aRangeIsReadPinnedToTheVersion() throws Exception {
        URI u = serve(content("Range", false));
        RangedGet get = builder(u).build();
        byte[] got = readAll(read(get, u, new RangedGet.Part(1000, 500, CONTENT.length, "\"v1\"", null, true), "r"));
        assertThat(got).isEqualTo(Arrays.copyOfRange(CONTENT, 1000, 1500));
        assertThat(seen.get(0)).containsEntry("range", "bytes=1000-1499").containsEntry("if-match", "\"v1\"");
    }

    @Test
    void aServerThatIgnoresTheRangeYieldsTheSameBytesForEveryRangeHeader() throws Exception {
        for (String header : new String[] {"Range", "x-ms-range"}) {
            URI u = serve(content(header, true));
            RangedGet get = builder(u).rangeHeader(header).build();
            for (long offset : new long[] {0, 1, 65_536, 99_000}) {
                byte[] got = readAll(
                        read(get, u, new RangedGet.Part(offset, 1000, CONTENT.length, "\"v1\"", null, true), "r"));
                assertThat(got)
                        .as("%s at %d", header, offset)
                        .isEqualTo(Arrays.copyOfRange(CONTENT, (int) offset, (int) offset + 1000));
            }
            http.close();
        }
    }

    @Test
    void aThrottledAnswerCarriesTheWaitTheServerAskedFor() throws Exception {
        URI u = serve(ex -> {
            ex.getResponseHeaders().add("Retry-After", "7");
            send(ex, 429, "slow down".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
        RangedGet get = builder(u).build();
        assertThatThrownBy(() -> read(get, u, new RangedGet.Part(0, 10, CONTENT.length, null, null, true), "r"))
                .isInstanceOfSatisfying(TransferException.class, e -> {
                    assertThat(e.isRetryable()).isTrue();
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
                });
    }

    @Test
    void aWholeBodyOfAnotherSizeIsAnIntegrityError() throws Exception {
        URI u = serve(content("Range", true));
        RangedGet get = builder(u).build();
        assertThatThrownBy(() -> read(get, u, new RangedGet.Part(10, 10, CONTENT.length + 1, null, null, true), "r"))
                .isInstanceOf(IntegrityException.class)
                .hasMessageStartingWith(URI_SHOWN)
                .hasMessageContaining("the file is now 100000 bytes");
    }

    @Test
    void aChangedETagIsAnIntegrityError() throws Exception {
        URI u = serve(content("Range", false));
        RangedGet get = builder(u).build();
        assertThatThrownBy(() ->
                        read(get, u, new RangedGet.Part(0, 10, CONTENT.length, "W/\"v0\"", "yesterday", true), "r"))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("became \"v1\"");
        assertThat(seen.get(0))
                .containsEntry("if-unmodified-since", "yesterday")
                .doesNotContainKey("if-match");
    }

    @Test
    void statusesMapToTheTypedErrors() throws Exception {
        int[] status = {0};
        URI u = serve(ex -> send(ex, status[0], "nope".getBytes()));
        RangedGet get = builder(u).build();
        RangedGet.Part part = new RangedGet.Part(0, 10, 100, "\"v1\"", null, true);
        status[0] = 503;
        assertThatThrownBy(() -> read(get, u, part, "GET a"))
                .isInstanceOfSatisfying(TransferException.class, e -> assertThat(e.isRetryable())
                        .isTrue());
        status[0] = 404;
        assertThatThrownBy(() -> read(get, u, part, "GET a")).isInstanceOf(NotFoundException.class);
        status[0] = 412;
        assertThatThrownBy(() -> read(get, u, part, "GET a")).isInstanceOf(IntegrityException.class);
        status[0] = 400;
        assertThatThrownBy(() -> read(get, u, part, "GET a"))
                .isInstanceOfSatisfying(TransferException.class, e -> assertThat(e.isRetryable())
                        .isFalse());
    }

    @Test
    void theSignerSignsOnlyItsOwnOriginAcrossRedirects() throws Exception {
        URI cdn = serve(content("Range", false));
        URI home = serve(ex -> {
            ex.getResponseHeaders().add("Location", cdn.resolve("/blob").toString());
            send(ex, 302, new byte[0]);
        });
        RangedGet get = builder(home)
                .signer(new Signer() {
                    @Override
                    public void sign(Request request) {
                        request.set("Authorization", "Bearer home-secret");
                    }

                    @Override
                    public void signElsewhere(Request request) {
                        request.set("X-Elsewhere", request.uri().getHost());
                    }
                })
                .build();
        byte[] got = readAll(read(
                get, home.resolve("/model.bin"), new RangedGet.Part(0, 100, CONTENT.length, null, null, true), "r"));
        assertThat(got).isEqualTo(Arrays.copyOf(CONTENT, 100));
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0))
                .containsEntry("authorization", "Bearer home-secret")
                .doesNotContainKey("x-elsewhere");
        assertThat(seen.get(1))
                .doesNotContainKey("authorization")
                .containsEntry("x-elsewhere", "127.0.0.1")
                .containsEntry("range", "bytes=0-99");
    }

    @Test
    void aStalledBodyFailsRetryablyAfterTheReadTimeout() throws Exception {
        URI u = serve(ex -> {
            ex.sendResponseHeaders(200, CONTENT.length);
            OutputStream out = ex.getResponseBody();
            out.write(CONTENT, 0, 1000);
            out.flush();
            Thread.sleep(5_000);
        });
        RangedGet get = builder(u)
                .readTimeout(Duration.ofMillis(400))
                .timeoutSettings(null, "X_READ_TIMEOUT")
                .build();
        long started = System.nanoTime();
        InputStream in = read(get, u, new RangedGet.Part(0, CONTENT.length, CONTENT.length, null, null, false), "r");
        assertThatThrownBy(() -> readAll(in)).isInstanceOfSatisfying(TransferException.class, e -> {
            assertThat(e.isRetryable()).isTrue();
            assertThat(e).hasMessageContaining("no data from the server for 0.4 s (X_READ_TIMEOUT)");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void closeEndsTheClientsThreads() throws Exception {
        URI u = serve(content("Range", false));
        RangedGet get = builder(u).build();
        readAll(read(get, u, new RangedGet.Part(0, 10, CONTENT.length, null, null, true), "r"));
        http.close();
        assertThat(http.isClosed()).isTrue();
        assertThat(http.awaitTermination(Duration.ofSeconds(5))).isTrue();
        assertThatThrownBy(() -> get.send("GET", u, Map.of())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anEmptyRangeSendsNothing() throws Exception {
        URI u = serve(content("Range", false));
        assertThat(readAll(read(builder(u).build(), u, new RangedGet.Part(0, 0, 0, null, null, true), "r")))
                .isEmpty();
        assertThat(seen).isEmpty();
    }
}
