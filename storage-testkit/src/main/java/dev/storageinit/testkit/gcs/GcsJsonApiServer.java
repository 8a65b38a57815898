package dev.storageinit.testkit.gcs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.storageinit.spi.http.HttpText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A small Google Cloud Storage JSON-API server for tests, on 127.0.0.1 and a free port, holding buckets and objects
 * in memory (or as references to local files, for benchmarks). It follows the public JSON API documentation closely
 * enough for the real {@code google-cloud-storage} client to talk to it:
 * <ul>
 *   <li>{@code GET /storage/v1/b/{bucket}/o} with {@code prefix}, {@code delimiter}, {@code startOffset},
 *       {@code endOffset}, {@code pageToken} and {@code maxResults} (at most 1,000 per page, as GCS);
 *   <li>{@code GET /storage/v1/b/{bucket}/o/{object}}: metadata (size and generation as strings, md5Hash and crc32c
 *       in base64, etag), and with {@code alt=media} (also under {@code /download/storage/v1/...}) the content, with
 *       {@code Range}, {@code generation}, {@code ifGenerationMatch} / {@code ifGenerationNotMatch} and the
 *       {@code x-goog-generation} / {@code x-goog-hash} / {@code x-goog-stored-content-length} headers;
 *   <li>{@code GET /storage/v1/b/{bucket}}: bucket metadata;
 *   <li>{@code POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name=...}: a simple upload;
 *   <li>{@code POST /token}: an OAuth 2.0 token endpoint for service accounts (JWT bearer grant, RS256 signature
 *       checked against the keys registered with {@link #trustServiceAccount});
 *   <li>errors as GCS sends them: a JSON body {@code {"error":{"code":..,"message":..,"errors":[..]}}} with 401
 *       (no or unknown bearer token on a bucket that requires one), 403 (a valid token the bucket does not allow),
 *       404, 412 and 416;
 *   <li>partial responses: the {@code fields} parameter limits the object fields returned.
 * </ul>
 * Switches: {@link Bucket#requireToken}, {@link #corruptDownloads} (served bytes no longer match the advertised
 * checksums), {@link #failNextMedia} (answer the next media requests with a status such as 503 or 429).
 */
public final class GcsJsonApiServer implements AutoCloseable {
    private static final String ISSUED_PREFIX = "ya29.fixture-";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final Map<String, PublicKey> serviceAccounts = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
    private final AtomicInteger failMedia = new AtomicInteger();
    private volatile int failStatus = 503;
    private volatile boolean corrupt;
    private final AtomicInteger mediaRequests = new AtomicInteger();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicBoolean revokeAtNextMedia = new AtomicBoolean();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private volatile long lateRefusalMillis;
    private final List<String> mediaQueries = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Starts a server on 127.0.0.1 and a free port. */
    public static GcsJsonApiServer start() throws IOException {
        return new GcsJsonApiServer(0, null);
    }

    /** Starts a server on 127.0.0.1 and {@code port} (0 for a free one). */
    public static GcsJsonApiServer start(int port) throws IOException {
        return new GcsJsonApiServer(port, null);
    }

    /** Starts an HTTPS server on 127.0.0.1 and a free port, presenting the key of {@code tls}. */
    public static GcsJsonApiServer startTls(javax.net.ssl.SSLContext tls) throws IOException {
        return new GcsJsonApiServer(0, tls);
    }

    private final boolean https;

    private GcsJsonApiServer(int port, javax.net.ssl.SSLContext tls) throws IOException {
        https = tls != null;
        // the JDK server writes headers and body separately: without TCP_NODELAY every small response waits for
        // the client's delayed ACK (~40 ms)
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        if (tls != null) {
            com.sun.net.httpserver.HttpsServer secure = com.sun.net.httpserver.HttpsServer.create(address, 128);
            secure.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = secure;
        } else {
            server = HttpServer.create(address, 128);
        }
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "gcs-fixture-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http[s]://127.0.0.1:PORT}: the value for {@code STORAGE_EMULATOR_HOST} or {@code GCS_ENDPOINT}. */
    public String endpoint() {
        return (https ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort();
    }

    /** The OAuth token endpoint, for a service-account JSON's {@code token_uri}. */
    public String tokenUri() {
        return endpoint() + "/token";
    }

    /** The bucket {@code name}, created empty if missing. */
    public Bucket bucket(String name) {
        return buckets.computeIfAbsent(name, Bucket::new);
    }

    /** Accepts {@code token} as a bearer token from now on. */
    public GcsJsonApiServer acceptToken(String token) {
        tokens.add(token);
        return this;
    }

    /** The token endpoint issues tokens for JWTs issued by {@code email} and signed with {@code key}'s private half. */
    public GcsJsonApiServer trustServiceAccount(String email, PublicKey key) {
        serviceAccounts.put(email, key);
        return this;
    }

    /** While on, every media download flips one byte of what it serves (the metadata stays as it was). */
    public GcsJsonApiServer corruptDownloads(boolean on) {
        corrupt = on;
        return this;
    }

    /** Answers the next {@code count} media requests with {@code status} and a GCS error body. */
    public GcsJsonApiServer failNextMedia(int count, int status) {
        failStatus = status;
        failMedia.set(count);
        return this;
    }

    /**
     * Revokes every token the token endpoint issued so far when the next media request arrives, as a token revoked
     * (or expired early) in the middle of a download: that request and any other with an old token get 401.
     */
    public GcsJsonApiServer revokeIssuedTokensAtNextMedia() {
        revokeAtNextMedia.set(true);
        return this;
    }

    /**
     * Answers the requests refused for a revoked token {@code millis} late, all but the one that revoked it: as a
     * read sent with the old token before the client refreshed it, and refused only after the refresh.
     */
    public GcsJsonApiServer refuseRevokedTokensLate(long millis) {
        lateRefusalMillis = millis;
        return this;
    }

    /** Media (alt=media) requests served so far, failed ones included. */
    public int mediaRequests() {
        return mediaRequests.get();
    }

    /** Raw query strings of the media requests so far. */
    public List<String> mediaQueries() {
        return List.copyOf(mediaQueries);
    }

    /** Token requests served so far. */
    public int tokenRequests() {
        return tokenRequests.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ model

    /** A bucket: objects by name, lexicographically ordered, and who may read them. */
    public final class Bucket {
        final String name;
        final NavigableMap<String, StoredObject> objects = new ConcurrentSkipListMap<>();
        volatile boolean requireToken;
        volatile Set<String> allowedTokens; // null: every valid token

        Bucket(String name) {
            this.name = name;
        }

        /** While on, requests need a valid {@code Authorization: Bearer} token (401 without). */
        public Bucket requireToken(boolean on) {
            requireToken = on;
            return this;
        }

        /** Only these valid tokens may read (403 for other valid ones); null for all. Implies requireToken. */
        public Bucket allowTokens(Set<String> allowed) {
            allowedTokens = allowed == null ? null : Set.copyOf(allowed);
            requireToken = true;
            return this;
        }

        /** Stores (or replaces, with a new generation) an object. */
        public StoredObject put(String key, byte[] content) {
            return putAdvertisingMd5(key, content, md5(content));
        }

        /**
         * Stores an object whose metadata advertises {@code md5Base64} as its md5Hash (its crc32c stays right), or
         * no md5Hash when null, as for composite objects.
         */
        public StoredObject putAdvertisingMd5(String key, byte[] content, String md5Base64) {
            StoredObject o = new StoredObject(
                    name,
                    key,
                    generations.incrementAndGet(),
                    content.clone(),
                    null,
                    content.length,
                    md5Base64,
                    crc32c(content));
            objects.put(key, o);
            return o;
        }

        /** Stores an object whose bytes stay in {@code file} (read when served; do not change the file). */
        public StoredObject putFile(String key, Path file) throws IOException {
            MessageDigest md = messageDigest();
            CRC32C crc = new CRC32C();
            long size = 0;
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    crc.update(buf, 0, n);
                    size += n;
                }
            }
            StoredObject o = new StoredObject(
                    name,
                    key,
                    generations.incrementAndGet(),
                    null,
                    file,
                    size,
                    Base64.getEncoder().encodeToString(md.digest()),
                    crc32cBase64(crc.getValue()));
            objects.put(key, o);
            return o;
        }

        /** Removes an object. */
        public void delete(String key) {
            objects.remove(key);
        }

        /** The object, or null. */
        public StoredObject get(String key) {
            return objects.get(key);
        }
    }

    /** One object generation. */
    public static final class StoredObject {
        final String bucket;
        final String name;
        final long generation;
        final byte[] content; // or file
        final Path file;
        final long size;
        final String md5;
        final String crc32c;
        final Instant created = Instant.now();

        StoredObject(
                String bucket,
                String name,
                long generation,
                byte[] content,
                Path file,
                long size,
                String md5,
                String crc32c) {
            this.bucket = bucket;
            this.name = name;
            this.generation = generation;
            this.content = content;
            this.file = file;
            this.size = size;
            this.md5 = md5;
            this.crc32c = crc32c;
        }

        public long generation() {
            return generation;
        }

        String etag() {
            return Base64.getEncoder()
                    .encodeToString((name + "#" + generation).getBytes(StandardCharsets.UTF_8))
                    .replace("=", "");
        }

        String json(String endpoint) {
            return json(endpoint, null);
        }

        /** The metadata, limited to {@code fields} (a partial response) when not null. */
        String json(String endpoint, Set<String> fields) {
            String enc = pathEncode(name);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "storage#object");
            m.put("id", bucket + "/" + name + "/" + generation);
            m.put("selfLink", endpoint + "/storage/v1/b/" + bucket + "/o/" + enc);
            m.put(
                    "mediaLink",
                    endpoint + "/download/storage/v1/b/" + bucket + "/o/" + enc + "?generation=" + generation
                            + "&alt=media");
            m.put("name", name);
            m.put("bucket", bucket);
            m.put("generation", Long.toString(generation));
            m.put("metageneration", "1");
            m.put("contentType", "application/octet-stream");
            m.put("storageClass", "STANDARD");
            m.put("size", Long.toString(size));
            if (md5 != null) {
                m.put("md5Hash", md5);
            }
            m.put("crc32c", crc32c);
            m.put("etag", etag());
            m.put("timeCreated", created.toString());
            m.put("updated", created.toString());
            m.put("timeStorageClassUpdated", created.toString());
            if (fields != null) {
                m.keySet().retainAll(fields);
            }
            return Json.write(m);
        }
    }

    // ------------------------------------------------------------------ HTTP

    private static final Pattern OBJECTS = Pattern.compile("/(download/|upload/)?storage/v1/b/([^/]+)/o(?:/(.+))?");
    private static final Pattern BUCKET = Pattern.compile("/storage/v1/b/([^/]+)/?");

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String rawPath = ex.getRequestURI().getRawPath();
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String method = ex.getRequestMethod();
            if (rawPath.equals("/token") && method.equals("POST")) {
                token(ex);
                return;
            }
            Matcher m = OBJECTS.matcher(rawPath);
            if (m.matches()) {
                String bucketName = HttpText.decodePath(m.group(2));
                String objectName = m.group(3) == null ? null : HttpText.decodePath(m.group(3));
                if ("upload/".equals(m.group(1))) {
                    if (!method.equals("POST")) {
                        error(ex, 405, "Method not allowed", "methodNotAllowed");
                        return;
                    }
                    Bucket b = authorized(ex, bucketName, false);
                    if (b != null) {
                        upload(ex, b, q);
                    }
                    return;
                }
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    error(ex, 405, "Method not allowed", "methodNotAllowed");
                    return;
                }
                boolean revoking =
                        objectName != null && "media".equals(q.get("alt")) && revokeAtNextMedia.getAndSet(false);
                if (revoking) {
                    tokens.stream().filter(t -> t.startsWith(ISSUED_PREFIX)).forEach(revoked::add);
                    tokens.removeIf(t -> t.startsWith(ISSUED_PREFIX));
                }
                Bucket b = authorized(ex, bucketName, revoking);
                if (b == null) {
                    return;
                }
                if (objectName == null) {
                    list(ex, b, q);
                } else if ("media".equals(q.get("alt"))) {
                    media(ex, b, objectName, q);
                } else if (m.group(1) != null) {
                    error(ex, 400, "alt=media is required on the download path", "invalid");
                } else {
                    metadata(ex, b, objectName, q);
                }
                return;
            }
            Matcher bm = BUCKET.matcher(rawPath);
            if (bm.matches() && method.equals("GET")) {
                Bucket b = authorized(ex, HttpText.decodePath(bm.group(1)), false);
                if (b != null) {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("kind", "storage#bucket");
                    json.put("id", b.name);
                    json.put("name", b.name);
                    json.put("location", "US");
                    json.put("storageClass", "STANDARD");
                    json.put("metageneration", "1");
                    sendJson(ex, 200, Json.write(json));
                }
                return;
            }
            error(ex, 404, "Not Found", "notFound");
        } catch (RuntimeException e) {
            try {
                error(ex, 500, "fixture error: " + e, "backendError");
            } catch (IOException ignored) {
                // the response was already under way
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The bucket when it exists and the caller may read it; otherwise the error has been sent and null returned.
     * {@code revoking}: this request revoked the tokens, and is refused at once.
     */
    private Bucket authorized(HttpExchange ex, String bucketName, boolean revoking) throws IOException {
        Bucket b = buckets.get(bucketName);
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                ? auth.substring(7).trim()
                : null;
        if (token != null && !tokens.contains(token)) {
            if (!revoking && lateRefusalMillis > 0 && revoked.contains(token)) {
                sleep(lateRefusalMillis);
            }
            ex.getResponseHeaders()
                    .add(
                            "WWW-Authenticate",
                            "Bearer realm=\"https://accounts.google.com/\", " + "error=\"invalid_token\"");
            error(ex, 401, "Invalid Credentials", "authError");
            return null;
        }
        if (b == null) {
            error(ex, 404, "The specified bucket does not exist.", "notFound");
            return null;
        }
        if (b.requireToken && token == null) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
            error(
                    ex,
                    401,
                    "Anonymous caller does not have storage.objects.get access to the Google Cloud Storage "
                            + "object. Permission 'storage.objects.get' denied on resource (or it may not exist).",
                    "required");
            return null;
        }
        Set<String> allowed = b.allowedTokens;
        if (allowed != null && !allowed.contains(token)) {
            error(
                    ex,
                    403,
                    "The caller does not have storage.objects.get access to the Google Cloud Storage bucket."
                            + " Permission 'storage.objects.get' denied on resource (or it may not exist).",
                    "forbidden");
            return null;
        }
        return b;
    }

    private void list(HttpExchange ex, Bucket b, Map<String, String> q) throws IOException {
        String prefix = q.getOrDefault("prefix", "");
        String delimiter = q.get("delimiter");
        int max = 1000;
        if (q.containsKey("maxResults")) {
            try {
                max = Math.max(1, Math.min(1000, Integer.parseInt(q.get("maxResults"))));
            } catch (NumberFormatException e) {
                error(ex, 400, "Invalid value for maxResults", "invalid");
                return;
            }
        }
        String from = prefix;
        if (q.containsKey("pageToken")) {
            try {
                from = new String(Base64.getUrlDecoder().decode(q.get("pageToken")), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                error(ex, 400, "Invalid pageToken", "invalid");
                return;
            }
        }
        String start = q.get("startOffset");
        if (start != null && start.compareTo(from) > 0) {
            from = start;
        }
        String end = q.get("endOffset");
        List<String> items = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        String next = null;
        String key = b.objects.ceilingKey(from);
        int count = 0;
        while (key != null && key.startsWith(prefix) && (end == null || key.compareTo(end) < 0)) {
            if (count == max) {
                next = key;
                break;
            }
            int d = delimiter == null || delimiter.isEmpty() ? -1 : key.indexOf(delimiter, prefix.length());
            if (d >= 0) {
                String p = key.substring(0, d + delimiter.length());
                prefixes.add(p);
                count++;
                key = b.objects.higherKey(p + Character.MAX_VALUE);
                continue;
            }
            StoredObject o = b.objects.get(key);
            if (o != null) {
                items.add(o.json(endpoint(), itemFields(q.get("fields"))));
                count++;
            }
            key = b.objects.higherKey(key);
        }
        StringBuilder sb = new StringBuilder("{\"kind\":\"storage#objects\"");
        if (next != null) {
            sb.append(",\"nextPageToken\":")
                    .append(Json.quote(Base64.getUrlEncoder()
                            .withoutPadding()
                            .encodeToString(next.getBytes(StandardCharsets.UTF_8))));
        }
        if (!prefixes.isEmpty()) {
            sb.append(",\"prefixes\":[");
            for (int i = 0; i < prefixes.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(Json.quote(prefixes.get(i)));
            }
            sb.append(']');
        }
        if (!items.isEmpty()) {
            sb.append(",\"items\":[").append(String.join(",", items)).append(']');
        }
        sb.append('}');
        sendJson(ex, 200, sb.toString());
    }

    /** The object when it exists and the preconditions hold; otherwise the error has been sent and null returned. */
    private StoredObject object(HttpExchange ex, Bucket b, String name, Map<String, String> q) throws IOException {
        StoredObject o = b.objects.get(name);
        String generation = q.get("generation");
        if (o == null || generation != null && !generation.equals(Long.toString(o.generation))) {
            error(ex, 404, "No such object: " + b.name + "/" + name, "notFound");
            return null;
        }
        String match = q.get("ifGenerationMatch");
        if (match != null && !match.equals(Long.toString(o.generation))) {
            error(ex, 412, "At least one of the pre-conditions you specified did not hold.", "conditionNotMet");
            return null;
        }
        String notMatch = q.get("ifGenerationNotMatch");
        if (notMatch != null && notMatch.equals(Long.toString(o.generation))) {
            ex.sendResponseHeaders(304, -1);
            return null;
        }
        return o;
    }

    /**
     * The object fields a {@code fields} parameter asks for, as GCS's partial responses do: {@code name,size} for
     * one object, {@code items(name,size),nextPageToken,prefixes} for a listing; null for all.
     */
    public static Set<String> itemFields(String fields) {
        if (fields == null || fields.isBlank()) {
            return null;
        }
        Set<String> out = new java.util.HashSet<>();
        boolean listing = fields.contains("items");
        // top-level comma-separated selectors: "items(a,b)", "items/a" (the Java client's form) or "a"
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= fields.length(); i++) {
            char c = i < fields.length() ? fields.charAt(i) : ',';
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                String sel = fields.substring(start, i).trim();
                start = i + 1;
                if (sel.startsWith("items(") && sel.endsWith(")")) {
                    for (String f : sel.substring(6, sel.length() - 1).split(",")) {
                        out.add(f.trim().split("[/(]")[0]);
                    }
                } else if (sel.startsWith("items/")) {
                    out.add(sel.substring(6).split("[/(]")[0]);
                } else if (!listing && !sel.isEmpty()) {
                    out.add(sel.split("[/(]")[0]);
                }
            }
        }
        return out;
    }

    private void metadata(HttpExchange ex, Bucket b, String name, Map<String, String> q) throws IOException {
        StoredObject o = object(ex, b, name, q);
        if (o != null) {
            sendJson(ex, 200, o.json(endpoint(), itemFields(q.get("fields"))));
        }
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private void media(HttpExchange ex, Bucket b, String name, Map<String, String> q) throws IOException {
        mediaRequests.incrementAndGet();
        mediaQueries.add(String.valueOf(ex.getRequestURI().getRawQuery()));
        if (failMedia.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            int status = failStatus;
            error(
                    ex,
                    status,
                    status == 429 ? "The rate of change requests to the object is too high." : "Backend Error",
                    status == 429 ? "rateLimitExceeded" : "backendError");
            return;
        }
        StoredObject o = object(ex, b, name, q);
        if (o == null) {
            return;
        }
        long from = 0;
        long to = o.size - 1;
        boolean ranged = false;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            Matcher m = RANGE.matcher(range.trim());
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                ranged = true;
                if (m.group(1).isEmpty()) {
                    long suffix = Long.parseLong(m.group(2));
                    from = Math.max(0, o.size - suffix);
                } else {
                    from = Long.parseLong(m.group(1));
                    if (!m.group(2).isEmpty()) {
                        to = Math.min(to, Long.parseLong(m.group(2)));
                    }
                }
                if (from >= o.size || from > to) {
                    ex.getResponseHeaders().add("Content-Range", "bytes */" + o.size);
                    error(ex, 416, "The requested range cannot be satisfied.", "requestedRangeNotSatisfiable");
                    return;
                }
            }
        }
        long length = o.size == 0 ? 0 : to - from + 1;
        var h = ex.getResponseHeaders();
        h.add("Content-Type", "application/octet-stream");
        h.add("ETag", o.etag());
        h.add("X-Goog-Generation", Long.toString(o.generation));
        h.add("X-Goog-Metageneration", "1");
        h.add("X-Goog-Hash", "crc32c=" + o.crc32c);
        h.add("X-Goog-Hash", "md5=" + o.md5);
        h.add("X-Goog-Stored-Content-Length", Long.toString(o.size));
        h.add("X-Goog-Stored-Content-Encoding", "identity");
        h.add("X-Goog-Storage-Class", "STANDARD");
        h.add("Accept-Ranges", "bytes");
        if (ranged) {
            h.add("Content-Range", "bytes " + from + "-" + to + "/" + o.size);
        }
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(ranged ? 206 : 200, -1);
            return;
        }
        ex.sendResponseHeaders(ranged ? 206 : 200, length == 0 ? -1 : length);
        if (length == 0) {
            return;
        }
        boolean flip = corrupt;
        OutputStream out = ex.getResponseBody();
        if (o.content != null) {
            if (flip) {
                byte[] part = java.util.Arrays.copyOfRange(o.content, (int) from, (int) (from + length));
                part[0] ^= 0x5a;
                out.write(part);
            } else {
                out.write(o.content, (int) from, (int) length);
            }
        } else {
            byte[] buf = new byte[256 << 10];
            ByteBuffer bb = ByteBuffer.wrap(buf);
            try (FileChannel ch = FileChannel.open(o.file, StandardOpenOption.READ)) {
                long pos = from;
                long left = length;
                while (left > 0) {
                    bb.clear().limit((int) Math.min(buf.length, left));
                    int n = ch.read(bb, pos);
                    if (n < 0) {
                        throw new IOException("file shrank: " + o.file);
                    }
                    if (flip && pos == from) {
                        buf[0] ^= 0x5a;
                    }
                    out.write(buf, 0, n);
                    pos += n;
                    left -= n;
                }
            }
        }
    }

    private void upload(HttpExchange ex, Bucket b, Map<String, String> q) throws IOException {
        if (!"media".equals(q.get("uploadType")) || q.get("name") == null) {
            error(ex, 400, "only uploadType=media with a name is supported by this fixture", "invalid");
            return;
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        String match = q.get("ifGenerationMatch");
        StoredObject existing = b.objects.get(q.get("name"));
        if (match != null && !match.equals(existing == null ? "0" : Long.toString(existing.generation))) {
            error(ex, 412, "At least one of the pre-conditions you specified did not hold.", "conditionNotMet");
            return;
        }
        sendJson(ex, 200, b.put(q.get("name"), body).json(endpoint()));
    }

    private void token(HttpExchange ex) throws IOException {
        tokenRequests.incrementAndGet();
        String body;
        try (InputStream in = ex.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> form = query(body);
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
            oauthError(ex, "unsupported_grant_type", "Only the JWT bearer grant is supported by this fixture.");
            return;
        }
        String jwt = form.getOrDefault("assertion", "");
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            oauthError(ex, "invalid_grant", "Invalid JWT.");
            return;
        }
        String claims;
        try {
            claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            oauthError(ex, "invalid_grant", "Invalid JWT payload.");
            return;
        }
        String iss = Json.stringField(claims, "iss");
        String aud = Json.stringField(claims, "aud");
        PublicKey key = iss == null ? null : serviceAccounts.get(iss);
        if (key == null) {
            oauthError(ex, "invalid_grant", "Invalid JWT Signature.");
            return;
        }
        try {
            Signature sig = Signature.getInstance("SHA256withRSA");
            sig.initVerify(key);
            sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!sig.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                oauthError(ex, "invalid_grant", "Invalid JWT Signature.");
                return;
            }
        } catch (Exception e) {
            oauthError(ex, "invalid_grant", "Invalid JWT Signature.");
            return;
        }
        // Google's libraries sign for Google's canonical token audience whatever token_uri says
        if (aud == null || !(aud.equals(tokenUri()) || aud.equals("https://oauth2.googleapis.com/token"))) {
            oauthError(
                    ex,
                    "invalid_grant",
                    "Invalid JWT: Token must be a short-lived token and in a reasonable " + "timeframe, or audience "
                            + aud + " is wrong");
            return;
        }
        String token = ISSUED_PREFIX + UUID.randomUUID();
        tokens.add(token);
        sendJson(ex, 200, "{\"access_token\":" + Json.quote(token) + ",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
    }

    private static void oauthError(HttpExchange ex, String error, String description) throws IOException {
        sendJson(
                ex, 400, "{\"error\":" + Json.quote(error) + ",\"error_description\":" + Json.quote(description) + "}");
    }

    private static void error(HttpExchange ex, int code, String message, String reason) throws IOException {
        sendJson(
                ex,
                code,
                "{\"error\":{\"code\":" + code + ",\"message\":" + Json.quote(message)
                        + ",\"errors\":[{\"message\":" + Json.quote(message) + ",\"domain\":\"global\",\"reason\":"
                        + Json.quote(reason) + "}]}}");
    }

    private static void sendJson(HttpExchange ex, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(code, -1);
            return;
        }
        ex.sendResponseHeaders(code, body.length);
        ex.getResponseBody().write(body);
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String p : raw.split("&")) {
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? p : p.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, v);
        }
        return m;
    }

    /** Percent-encoding of an object name as one path segment. */
    public static String pathEncode(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    private static MessageDigest messageDigest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String md5(byte[] content) {
        return Base64.getEncoder().encodeToString(messageDigest().digest(content));
    }

    public static String crc32c(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return crc32cBase64(crc.getValue());
    }

    /** GCS sends the CRC32C as base64 of its 4 big-endian bytes. */
    public static String crc32cBase64(long value) {
        return Base64.getEncoder()
                .encodeToString(ByteBuffer.allocate(4).putInt((int) value).array());
    }

    /** The little JSON the fixture writes and reads. */
    public static final class Json {
        private Json() {}

        public static String quote(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"':
                        sb.append("\\\"");
                        break;
                    case '\\':
                        sb.append("\\\\");
                        break;
                    case '\n':
                        sb.append("\\n");
                        break;
                    case '\r':
                        sb.append("\\r");
                        break;
                    case '\t':
                        sb.append("\\t");
                        break;
                    default:
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            return sb.append('"').toString();
        }

        static String write(Map<String, Object> m) {
            StringBuilder sb = new StringBuilder("{");
            for (Map.Entry<String, Object> e : m.entrySet()) {
                if (sb.length() > 1) {
                    sb.append(',');
                }
                sb.append(quote(e.getKey())).append(':').append(quote(String.valueOf(e.getValue())));
            }
            return sb.append('}').toString();
        }

        /** A top-level string field of a flat JSON object (enough for JWT claims). */
        static String stringField(String json, String name) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
                    .matcher(json);
            return m.find()
                    ? m.group(1).replace("\\/", "/").replace("\\\"", "\"").replace("\\\\", "\\")
                    : null;
        }
    }
}
