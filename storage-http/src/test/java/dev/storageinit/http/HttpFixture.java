package dev.storageinit.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 file server on 127.0.0.1 (JDK {@link HttpServer}) for the provider tests: files by raw request
 * path, with or without {@code Range} support, HEAD refused or not, redirects, paths that need a header, paths that
 * stall, cut the connection, or fail a number of times. It records every request with its headers.
 */
final class HttpFixture implements AutoCloseable {

    /** One request as the server saw it; header names lower-case. */
    record Request(String method, String rawPath, Map<String, String> headers, int clientPort) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "http-fixture");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<byte[], String> etags = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final Map<String, String> redirects = new ConcurrentHashMap<>();
    private final Map<String, String[]> required = new ConcurrentHashMap<>();
    private volatile String[] requiredEverywhere;
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Set<String> stallBody = ConcurrentHashMap.newKeySet();
    private final Set<String> stallHeaders = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> cuts = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);

    /** Whether Range requests are honoured (and Accept-Ranges advertised). */
    volatile boolean ranges = true;
    /** Whether HEAD is answered 405. */
    volatile boolean refuseHead;
    /** Whether ETag and Last-Modified are sent. */
    volatile boolean versions = true;

    private final String scheme;

    HttpFixture() {
        this(null);
    }

    /** An HTTPS server when {@code tls} is not null. */
    HttpFixture(javax.net.ssl.SSLContext tls) {
        try {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
            if (tls == null) {
                server = HttpServer.create(at, 64);
            } else {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(at, 64);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
                server = https;
            }
        } catch (IOException e) {
            throw new AssertionError("cannot start the JDK HttpServer on 127.0.0.1: " + e, e);
        }
        scheme = tls == null ? "http" : "https";
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** http://127.0.0.1:port + rawPath. */
    String url(String rawPath) {
        return scheme + "://127.0.0.1:" + port() + rawPath;
    }

    /** The same server under the host name "localhost": another host for the client. */
    String otherHostUrl(String rawPath) {
        return scheme + "://localhost:" + port() + rawPath;
    }

    void put(String rawPath, byte[] content) {
        etags.put(content, etagOf(content)); // hashing a large file per request would slow every request down
        files.put(rawPath, content);
    }

    void remove(String rawPath) {
        files.remove(rawPath);
    }

    void redirect(String rawPath, String location) {
        redirects.put(rawPath, location);
    }

    /** Answers 401 unless the request carries {@code header: value}. */
    void require(String rawPath, String header, String value) {
        required.put(rawPath, new String[] {header, value});
    }

    /** Answers 401 to any request without {@code header: value}, unless its path has a {@link #require} of its own. */
    void requireEverywhere(String header, String value) {
        requiredEverywhere = new String[] {header, value};
    }

    /** Answers 503 the first {@code times} requests. */
    void fail(String rawPath, int times) {
        failures.put(rawPath, new AtomicInteger(times));
    }

    /** GETs send the headers and half of the body, then hang until the fixture closes. */
    void stallBody(String rawPath) {
        stallBody.add(rawPath);
    }

    /** Requests hang before any header is sent. */
    void stallHeaders(String rawPath) {
        stallHeaders.add(rawPath);
    }

    /** The first {@code times} GETs send half of the body and close the connection. */
    void cut(String rawPath, int times) {
        cuts.put(rawPath, new AtomicInteger(times));
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(String method, String rawPath) {
        return requests.stream()
                .filter(r -> r.method().equals(method) && r.rawPath().equals(rawPath))
                .toList();
    }

    static String etagOf(byte[] content) {
        return "\"" + Integer.toHexString(Arrays.hashCode(content)) + "-" + content.length + "\"";
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            Map<String, String> headers = new TreeMap<>();
            for (Map.Entry<String, List<String>> e : ex.getRequestHeaders().entrySet()) {
                headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().get(0));
            }
            requests.add(new Request(
                    ex.getRequestMethod(), path, headers, ex.getRemoteAddress().getPort()));
            boolean head = ex.getRequestMethod().equals("HEAD");
            Headers out = ex.getResponseHeaders();

            if (stallHeaders.contains(path)) {
                await();
                return;
            }
            String location = redirects.get(path);
            if (location != null) {
                out.set("Location", location);
                ex.sendResponseHeaders(302, -1);
                return;
            }
            String[] need = required.getOrDefault(path, requiredEverywhere);
            if (need != null && !need[1].equals(headers.get(need[0].toLowerCase(Locale.ROOT)))) {
                ex.sendResponseHeaders(401, -1);
                return;
            }
            AtomicInteger failing = failures.get(path);
            if (failing != null && failing.getAndDecrement() > 0) {
                ex.sendResponseHeaders(503, -1);
                return;
            }
            byte[] content = files.get(path);
            if (content == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (head && refuseHead) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            String etag = etags.get(content);
            if (versions) {
                out.set("ETag", etag);
                out.set("Last-Modified", "Wed, 21 Oct 2026 07:28:00 GMT");
            }
            String ifMatch = headers.get("if-match");
            if (versions && ifMatch != null && !ifMatch.equals(etag)) {
                ex.sendResponseHeaders(412, -1);
                return;
            }
            if (ranges) {
                out.set("Accept-Ranges", "bytes");
            }
            long start = 0;
            long end = content.length - 1L;
            int status = 200;
            String range = headers.get("range");
            if (ranges && range != null && range.startsWith("bytes=")) {
                String[] se = range.substring(6).split("-", 2);
                start = Long.parseLong(se[0]);
                end = se[1].isEmpty() ? content.length - 1L : Math.min(Long.parseLong(se[1]), content.length - 1L);
                if (start >= content.length) {
                    out.set("Content-Range", "bytes */" + content.length);
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                status = 206;
                out.set("Content-Range", "bytes " + start + "-" + end + "/" + content.length);
            }
            long length = end - start + 1;
            if (head) {
                out.set("Content-Length", String.valueOf(length));
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, length == 0 ? -1 : length);
            OutputStream body = ex.getResponseBody();
            AtomicInteger cutting = cuts.get(path);
            if (stallBody.contains(path)) {
                // the first GET stalls half-way, later ones right after the headers (no progress: retries end)
                boolean first = requests(ex.getRequestMethod(), path).size() == 1;
                body.write(content, (int) start, first ? (int) (length / 2) : 0);
                body.flush();
                await();
                throw new IOException("fixture: stalled connection released");
            }
            if (cutting != null && cutting.getAndDecrement() > 0) {
                body.write(content, (int) start, (int) (length / 2));
                body.flush();
                throw new IOException("fixture: connection cut on purpose"); // the server drops the connection
            }
            body.write(content, (int) start, (int) length);
        }
    }

    private void await() {
        try {
            released.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        pool.shutdownNow();
    }
}
