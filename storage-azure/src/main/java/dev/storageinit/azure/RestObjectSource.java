package dev.storageinit.azure;

import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.support.Redactor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ObjectSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;

/**
 * One container read with the Blob REST API on the JDK's {@link HttpClient}, for account-key, SAS and anonymous
 * access: List Blobs (5,000 per page, StAX-parsed), Get Blob Properties (HEAD) and ranged Get Blob pinned with
 * {@code If-Match}, Shared Key signatures computed here (the documented string-to-sign). No Azure SDK class is loaded,
 * which saves the SDK's start (~4,700 classes, ~2.8 s cold on 2 cores) and ~40 % of the CPU per GiB read compared
 * with the SDK's netty/reactor body path. A body that makes no progress for {@link #STALL} is closed, so the read
 * fails (retryably) instead of hanging. Token credentials go through the SDK ({@link AzureObjectSource}).
 */
final class RestObjectSource implements ObjectSource {
    static final String VERSION = "2024-08-04";
    private static final Duration STALL = Duration.ofSeconds(60);
    private static final DateTimeFormatter RFC1123 = DateTimeFormatter.RFC_1123_DATE_TIME;
    private static volatile HttpClient client;
    private static final Set<Body> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile ScheduledExecutorService watchdog;

    private static final System.Logger LOG = Redactor.logger(AzureObjectSource.class.getName());
    static int pageSize = 5000;

    private final AzureLocation location;
    private final AzureAuth auth;
    private final String containerUrl;
    private final String shown;
    private final AzureErrors errors;
    private final byte[] key;
    private final HttpClient http;

    RestObjectSource(AzureLocation location, AzureAuth auth, SSLContext tls) {
        this.http = tls == null ? client() : newClient(tls);
        this.location = location;
        this.auth = auth;
        this.containerUrl = auth.endpoint + "/" + encode(location.container());
        this.shown = location.shown();
        this.errors = new AzureErrors(location, auth);
        this.key = auth.kind == AzureAuth.Kind.ACCOUNT_KEY ? Base64.getDecoder().decode(auth.secret) : null;
    }

    /**
     * @param tls trust for the cluster CA bundle, or null for the JDK defaults (the shared client)
     */
    static RestObjectSource open(AzureLocation location, AzureAuth auth, SSLContext tls) {
        RestObjectSource s = new RestObjectSource(location, auth, tls);
        LOG.log(System.Logger.Level.INFO, "azure: {0}: using {1}; endpoint {2} ({3})", s.shown, auth.description(),
                auth.endpoint, auth.endpointDescription());
        return s;
    }

    @Override
    public String key() {
        return location.key();
    }

    // ------------------------------------------------------------------ requests

    /** Query parameters in request order; signed sorted by name. */
    private HttpRequest.Builder request(String method, String blob, TreeMap<String, String> query,
            Map<String, String> xms, String ifMatch) {
        String url = blob == null ? containerUrl : containerUrl + "/" + encode(blob);
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : query.entrySet()) {
            q.append(q.length() == 0 ? "" : "&").append(e.getKey()).append('=').append(encodeQuery(e.getValue()));
        }
        if (auth.kind == AzureAuth.Kind.SAS) {
            q.append(q.length() == 0 ? "" : "&").append(auth.secret);
        }
        String full = q.length() == 0 ? url : url + "?" + q;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(full)).timeout(STALL)
                .method(method, HttpRequest.BodyPublishers.noBody());
        TreeMap<String, String> headers = new TreeMap<>(xms);
        headers.put("x-ms-version", VERSION);
        if (key != null) {
            headers.put("x-ms-date", RFC1123.format(ZonedDateTime.now(ZoneOffset.UTC)));
        }
        headers.forEach(b::header);
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        if (key != null) {
            StringBuilder sts = new StringBuilder(method).append("\n\n\n\n\n\n\n\n")
                    .append(ifMatch == null ? "" : ifMatch).append("\n\n\n\n");
            headers.forEach((k, v) -> sts.append(k).append(':').append(v).append('\n'));
            sts.append('/').append(auth.account).append(URI.create(url).getRawPath());
            query.forEach((k, v) -> sts.append('\n').append(k).append(':').append(v));
            b.header("Authorization", "SharedKey " + auth.account + ":" + sign(sts.toString()));
        }
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String what)
            throws StorageException {
        try {
            return http.send(request, handler);
        } catch (HttpTimeoutException e) {
            throw TransferException.retryable(shown, what + ": no answer within " + STALL.toSeconds() + " s", e);
        } catch (IOException e) {
            throw errors.cause(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.cause(what, e);
        }
    }

    /** Retries retryable failures of metadata calls (the engine retries ranges itself). */
    private <T> T retrying(String what, Call<T> call) throws StorageException {
        for (int attempt = 1;; attempt++) {
            try {
                return call.run();
            } catch (StorageException e) {
                if (!e.isRetryable() || attempt >= 4) {
                    throw e;
                }
                try {
                    Thread.sleep(250L << attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw TransferException.retryable(shown, what + ": interrupted", ie);
                }
            }
        }
    }

    private interface Call<T> {
        T run() throws StorageException;
    }

    private static String quoted(String etag) {
        return etag == null || etag.isEmpty() || etag.startsWith("\"") ? etag : "\"" + etag + "\"";
    }

    // ------------------------------------------------------------------ list and stat

    @Override
    public void list(String prefix, Consumer<RemoteObject> sink) throws StorageException {
        String marker = "";
        String what = "listing '" + prefix + "'";
        do {
            TreeMap<String, String> query = new TreeMap<>();
            query.put("comp", "list");
            if (!marker.isEmpty()) {
                query.put("marker", marker);
            }
            query.put("maxresults", String.valueOf(pageSize));
            if (!prefix.isEmpty()) {
                query.put("prefix", prefix);
            }
            query.put("restype", "container");
            HttpRequest request = request("GET", null, query, Map.of(), null).build();
            byte[] page = retrying(what, () -> {
                HttpResponse<byte[]> r = send(request, HttpResponse.BodyHandlers.ofByteArray(), what);
                if (r.statusCode() != 200) {
                    throw error(r.statusCode(), r.headers().firstValue("x-ms-error-code").orElse(""), what);
                }
                return r.body();
            });
            marker = parsePage(page, sink, what);
        } while (!marker.isEmpty());
    }

    /** Streams one List Blobs page to {@code sink}; returns the next marker or "". */
    private String parsePage(byte[] page, Consumer<RemoteObject> sink, String what) throws StorageException {
        try {
            XMLInputFactory f = XMLInputFactory.newFactory();
            f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
            f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
            XMLStreamReader x = f.createXMLStreamReader(new java.io.ByteArrayInputStream(page));
            String next = "";
            String name = null;
            boolean encoded = false;
            long size = 0;
            String etag = null;
            String md5 = null;
            boolean inBlob = false;
            while (x.hasNext()) {
                int ev = x.next();
                if (ev == XMLStreamConstants.START_ELEMENT) {
                    String el = x.getLocalName();
                    switch (el) {
                        case "Blob" -> {
                            inBlob = true;
                            name = null;
                            encoded = false;
                            size = 0;
                            etag = null;
                            md5 = null;
                        }
                        case "Name" -> {
                            if (inBlob) {
                                encoded = "true".equalsIgnoreCase(x.getAttributeValue(null, "Encoded"));
                                name = x.getElementText();
                            }
                        }
                        case "Content-Length" -> {
                            if (inBlob) {
                                String t = x.getElementText().trim();
                                size = t.isEmpty() ? 0 : Long.parseLong(t);
                            }
                        }
                        case "Etag" -> {
                            if (inBlob) {
                                etag = x.getElementText().trim();
                            }
                        }
                        case "Content-MD5" -> {
                            if (inBlob) {
                                md5 = x.getElementText().trim();
                            }
                        }
                        case "NextMarker" -> next = x.getElementText().trim();
                        default -> {
                            // other properties are not needed
                        }
                    }
                } else if (ev == XMLStreamConstants.END_ELEMENT && x.getLocalName().equals("Blob")) {
                    inBlob = false;
                    if (name != null) {
                        String key = encoded ? AzureLocation.decode(name) : name;
                        sink.accept(new RemoteObject(key, size, quoted(etag), md5Of(md5)));
                    }
                }
            }
            return next;
        } catch (XMLStreamException | RuntimeException e) {
            if (e instanceof RuntimeException re && !(e instanceof IllegalArgumentException)) {
                throw re; // the engine's own signals from the sink
            }
            throw TransferException.fatal(shown, what + ": unreadable List Blobs answer: " + e.getMessage(), e);
        }
    }

    private static Checksum md5Of(String base64) {
        if (base64 == null || base64.isEmpty()) {
            return null;
        }
        try {
            Checksum c = Checksum.ofBase64(Checksum.Algorithm.MD5, base64);
            return c.hex().length() == 32 ? c : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public Optional<RemoteObject> stat(String blob) throws StorageException {
        String what = "reading the properties of '" + blob + "'";
        HttpRequest request = request("HEAD", blob, new TreeMap<>(), Map.of(), null).build();
        return retrying(what, () -> {
            HttpResponse<Void> r = send(request, HttpResponse.BodyHandlers.discarding(), what);
            String code = r.headers().firstValue("x-ms-error-code").orElse("");
            if (r.statusCode() == 404 && !code.equals("ContainerNotFound")) {
                return Optional.empty();
            }
            if (r.statusCode() != 200) {
                throw error(r.statusCode(), code, what);
            }
            long size = r.headers().firstValueAsLong("Content-Length").orElse(0);
            return Optional.of(new RemoteObject(blob, size, quoted(r.headers().firstValue("ETag").orElse(null)),
                    md5Of(r.headers().firstValue("Content-MD5").orElse(null))));
        });
    }

    /** Whether this path serves {@code auth}: every credential that needs no token. */
    static boolean serves(AzureAuth auth) {
        return auth.kind == AzureAuth.Kind.ACCOUNT_KEY || auth.kind == AzureAuth.Kind.SAS
                || auth.kind == AzureAuth.Kind.ANONYMOUS;
    }

    /** A client with {@code tls} (null: the JDK defaults); the stall watchdog runs for every client. */
    private static HttpClient newClient(SSLContext tls) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(15)).followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null) {
            b.sslContext(tls);
            client();
        }
        return b.build();
    }

    private static HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (RestObjectSource.class) {
                c = client;
                if (c == null) {
                    c = newClient(null);
                    client = c;
                    ScheduledExecutorService w = Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "storage-azure-stall-watchdog");
                        t.setDaemon(true);
                        return t;
                    });
                    w.scheduleWithFixedDelay(RestObjectSource::closeStalled, 5, 5, TimeUnit.SECONDS);
                    watchdog = w;
                }
            }
        }
        return c;
    }

    private static void closeStalled() {
        long now = System.nanoTime();
        for (Body b : OPEN) {
            if (now - b.lastProgress > STALL.toNanos()) {
                b.stalled = true;
                try {
                    b.abort();
                } catch (IOException | RuntimeException ignored) {
                    // the reader sees the failure
                }
            }
        }
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        String what = "reading '" + object.key() + "' at " + offset + "+" + length;
        HttpRequest request = request("GET", object.key(), new TreeMap<>(),
                Map.of("x-ms-range", "bytes=" + offset + "-" + (offset + length - 1)), object.version()).build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream(), what);
        int status = response.statusCode();
        if (status == 200 || status == 206) {
            Body body = new Body(response.body());
            OPEN.add(body);
            return body;
        }
        String code = response.headers().firstValue("x-ms-error-code").orElse("");
        try (InputStream in = response.body()) {
            in.readNBytes(64 << 10);
        } catch (IOException ignored) {
            // the status says enough
        }
        throw error(status, code, what);
    }

    private StorageException error(int status, String code, String what) {
        return errors.status(status, code.isEmpty() ? null : code, what, null);
    }

    private String sign(String toSign) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Percent-encodes a query value: everything but unreserved characters. */
    static String encodeQuery(String value) {
        return encode(value).replace("/", "%2F");
    }

    /** Percent-encodes a container or blob name for a URL path: everything but unreserved characters and '/'. */
    static String encode(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 16);
        for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.' || c == '~' || c == '/') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "RestObjectSource[" + shown + ", " + auth.description() + "]";
    }

    /** The body; tracks progress for the stall watchdog. */
    private static final class Body extends FilterInputStream {
        volatile long lastProgress = System.nanoTime();
        volatile boolean stalled;

        Body(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int r = checked(super.read());
            lastProgress = System.nanoTime();
            return r;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = checked(super.read(b, off, len));
            lastProgress = System.nanoTime();
            return r;
        }

        private int checked(int r) throws IOException {
            if (stalled) {
                throw new IOException("no data for " + STALL.toSeconds() + " s: connection closed");
            }
            return r;
        }

        void abort() throws IOException {
            in.close();
        }

        @Override
        public void close() throws IOException {
            OPEN.remove(this);
            super.close();
        }
    }
}
