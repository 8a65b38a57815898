package dev.storageinit.http;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import dev.storageinit.spi.support.TrustBundles;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The single file an http(s) URI names. {@link #key()} is the URI's path; listing yields nothing, so the engine
 * asks {@link #stat} for the object itself: a HEAD (or a one-byte ranged GET when HEAD is refused or says nothing
 * about ranges) gives its size, version (strong ETag, else Last-Modified) and whether the server serves ranges.
 * Reads are ranged GETs pinned with {@code If-Match} (or {@code If-Unmodified-Since}); redirects are followed here,
 * at most {@value #MAX_REDIRECTS}. KServe's per-host headers ({@code <host>-headers}) and any userinfo credentials
 * belong to an origin (scheme, host, port), not to a host name: those of the URL's host go to the URL's origin only,
 * those of another host to the first origin of that host a redirect led to; never from https down to plain http.
 */
final class HttpObjectSource implements ObjectSource {
    private static final System.Logger LOG = Redactor.logger(HttpObjectSource.class.getName());

    static final int MAX_REDIRECTS = 5;
    static final String CONNECT_TIMEOUT = "HTTP_CONNECT_TIMEOUT";
    static final String READ_TIMEOUT = "HTTP_READ_TIMEOUT";
    static final String HEADERS_SUFFIX = "-headers";
    private static final int PROBE_ATTEMPTS = 3;
    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");
    private static final String FORM = "expected http(s)://<host>[:port]/<path to a file>[?query]";

    private final ModelUri uri;
    private final String shown;
    private final URI target;
    private final String userInfo;
    private final Settings settings;
    private final Failures failures;
    private final HttpClient client;
    private final Duration readTimeout;
    private final Map<String, Map<String, String>> headersByHost = new ConcurrentHashMap<>();
    /** The one origin each host's headers go to. */
    private final Map<String, String> originByHost = new ConcurrentHashMap<>();
    private volatile Probe probe;

    /** What stat learnt about the file. */
    record Probe(long size, String etag, String lastModified, boolean ranges, URI location) {
        String version() {
            if (etag != null && !etag.startsWith("W/")) {
                return etag;
            }
            return lastModified != null ? lastModified : etag;
        }
    }

    private HttpObjectSource(ModelUri uri, URI target, String userInfo, Settings settings, HttpClient client,
            Duration readTimeout) {
        this.uri = uri;
        this.shown = uri.redacted();
        this.target = target;
        this.userInfo = userInfo;
        this.settings = settings;
        this.failures = new Failures(shown);
        this.client = client;
        this.readTimeout = readTimeout;
        originByHost.put(hostKey(target.getHost()), origin(target));
    }

    static HttpObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        String shown = uri.redacted();
        if (uri.path().isEmpty() || uri.path().endsWith("/")) {
            throw new InvalidUriException(shown, "an http(s) URI names one file, not a folder; " + FORM);
        }
        String authority = uri.authority();
        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? null : authority.substring(0, at);
        String hostPort = at < 0 ? authority : authority.substring(at + 1);
        if (hostPort.isEmpty()) {
            throw new InvalidUriException(shown, "no host; " + FORM);
        }
        URI target;
        try {
            target = new URI(uri.scheme() + "://" + hostPort + "/" + encode(uri.path(), false)
                    + (uri.query().isEmpty() ? "" : "?" + encode(uri.query(), true)));
            if (target.getHost() == null) {
                throw new URISyntaxException(hostPort, "no host");
            }
        } catch (URISyntaxException e) {
            throw new InvalidUriException(shown, "not a valid http(s) URL (" + e.getReason() + "); " + FORM, e);
        }
        Settings settings = Settings.of(context.settings(), shown);
        Duration connect = settings.seconds(CONNECT_TIMEOUT, Duration.ofSeconds(15));
        Duration read = settings.seconds(READ_TIMEOUT, Duration.ofSeconds(30));
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // one connection per range: parallel TCP streams
                .followRedirects(HttpClient.Redirect.NEVER) // followed here, dropping credentials across hosts
                .connectTimeout(connect);
        SSLContext ssl = customTrust(settings);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        return new HttpObjectSource(uri, target, userInfo, settings, b.build(), read);
    }

    // ------------------------------------------------------------ ObjectSource

    @Override
    public String key() {
        return uri.path();
    }

    @Override
    public void list(String prefix, Consumer<RemoteObject> sink) {
        // a URL names one file: nothing lies "under" it, the engine falls back to stat(key())
    }

    @Override
    public Optional<RemoteObject> stat(String key) throws StorageException {
        if (!key.equals(key())) {
            return Optional.empty();
        }
        Probe p = probe();
        return Optional.of(new RemoteObject(key, p.size(), p.version(), List.of()));
    }

    @Override
    public boolean supportsRanges(RemoteObject object) {
        Probe p = probe;
        return p == null || p.ranges();
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        Probe p = probe;
        if (p == null) {
            p = probe();
        }
        boolean whole = offset == 0 && length == p.size();
        Map<String, String> extra = new LinkedHashMap<>();
        if (p.etag() != null && !p.etag().startsWith("W/")) {
            extra.put("If-Match", p.etag());
        } else if (p.lastModified() != null) {
            extra.put("If-Unmodified-Since", p.lastModified());
        }
        if (p.ranges() && !whole) {
            extra.put("Range", "bytes=" + offset + "-" + (offset + length - 1));
        }
        String what = "GET " + (whole ? "" : "bytes " + offset + "-" + (offset + length - 1) + " of ") + "/" + key();
        Exchange ex;
        try {
            ex = send("GET", p.location(), extra);
            ex = orThrow(ex, what);
        } catch (AccessDeniedException | NotFoundException e) {
            if (p.location().equals(target)) {
                throw e;
            }
            // a redirect target (a signed URL) may have expired: start again from the URL we were given
            ex = orThrow(send("GET", target, extra), what);
            Probe renewed = new Probe(p.size(), p.etag(), p.lastModified(), p.ranges(), ex.location());
            probe = renewed; // later reads go to the fresh target
        }
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> r = ex.response();
        checkSameVersion(p, r.headers(), what, r);
        BodyStream body = new BodyStream(shown, what, readTimeout.toNanos(), length);
        if (r.statusCode() == 206) {
            long[] range = contentRange(r.headers());
            if (range == null || range[0] != offset || (range[2] >= 0 && range[2] != p.size())) {
                discard(r);
                throw new IntegrityException(shown, what + ": the server answered with range "
                        + r.headers().firstValue("Content-Range").orElse("(none)") + "; the file may have changed");
            }
            r.body().subscribe(body);
            return body;
        }
        // 200: the whole file (a server without ranges); check its size, then skip to the offset
        OptionalLong len = contentLength(r.headers());
        if (len.isPresent() && len.getAsLong() != p.size()) {
            discard(r);
            throw new IntegrityException(shown, what + ": the file is now " + len.getAsLong() + " bytes, it was "
                    + p.size() + " when the download started");
        }
        r.body().subscribe(body);
        if (offset > 0) {
            try {
                body.skipExactly(offset);
            } catch (IOException e) {
                body.close();
                throw e instanceof StorageException ? (StorageException) e
                        : TransferException.retryable(shown, what + ": " + e.getMessage(), e);
            }
        }
        return body;
    }

    // ------------------------------------------------------------ probing

    private Probe probe() throws StorageException {
        Probe p = probe;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (probe != null) {
                return probe;
            }
            StorageException last = null;
            for (int attempt = 1; attempt <= PROBE_ATTEMPTS; attempt++) {
                try {
                    probe = probeOnce();
                    LOG.log(Level.DEBUG, "{0}: {1} bytes, version {2}, ranges {3}", shown, probe.size(),
                            probe.version(), probe.ranges());
                    return probe;
                } catch (StorageException e) {
                    if (!e.isRetryable()) {
                        throw e;
                    }
                    last = e;
                    try {
                        Thread.sleep(200L << attempt);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw TransferException.retryable(shown, "interrupted", ie);
                    }
                }
            }
            throw last;
        }
    }

    private Probe probeOnce() throws StorageException {
        Exchange head = send("HEAD", target, Map.of());
        int s = head.response().statusCode();
        discard(head.response());
        HttpHeaders h = head.response().headers();
        if (s == 200) {
            OptionalLong size = contentLength(h);
            String ranges = h.firstValue("Accept-Ranges").orElse("").trim().toLowerCase(Locale.ROOT);
            if (size.isPresent() && (ranges.equals("bytes") || ranges.equals("none"))) {
                return new Probe(size.getAsLong(), h.firstValue("ETag").orElse(null),
                        h.firstValue("Last-Modified").orElse(null), ranges.equals("bytes"), head.location());
            }
        } else if (s == 401 || s == 404 || s == 410 || Failures.isRetryableStatus(s)) {
            orThrow(head, "HEAD /" + key());
        }
        // HEAD refused (405, 501, a signed GET-only URL's 403) or silent about ranges: ask for one byte
        Exchange get = send("GET", target, Map.of("Range", "bytes=0-0"));
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> r = get.response();
        HttpHeaders g = r.headers();
        String etag = g.firstValue("ETag").orElse(null);
        String lastModified = g.firstValue("Last-Modified").orElse(null);
        int gs = r.statusCode();
        discard(r);
        if (gs == 206) {
            long[] range = contentRange(g);
            if (range == null || range[2] < 0) {
                throw TransferException.fatal(shown, "the server answered a ranged GET without the file's total size ("
                        + "Content-Range: " + g.firstValue("Content-Range").orElse("none") + ")", null);
            }
            return new Probe(range[2], etag, lastModified, true, get.location());
        }
        if (gs == 416) {
            // bytes=0-0 of an empty file is unsatisfiable: "Content-Range: bytes */0"
            long[] range = contentRange(g);
            if (range != null && range[2] == 0) {
                return new Probe(0, etag, lastModified, false, get.location());
            }
        }
        if (gs == 200) {
            OptionalLong size = contentLength(g);
            if (size.isEmpty()) {
                throw TransferException.fatal(shown, "the server sends the file without a Content-Length and does not "
                        + "serve byte ranges, so its size cannot be verified; not downloaded", null);
            }
            return new Probe(size.getAsLong(), etag, lastModified, false, get.location());
        }
        orThrow(get, "GET /" + key());
        throw TransferException.fatal(shown, "unexpected HTTP status " + gs + " for GET /" + key(), null);
    }

    private void checkSameVersion(Probe p, HttpHeaders h, String what,
            HttpResponse<Flow.Publisher<List<ByteBuffer>>> r) throws IntegrityException {
        String etag = h.firstValue("ETag").orElse(null);
        if (p.etag() != null && etag != null && !opaque(etag).equals(opaque(p.etag()))) {
            discard(r);
            throw new IntegrityException(shown, what + ": the file changed on the server during the download (ETag "
                    + p.etag() + " became " + etag + ")");
        }
    }

    private static String opaque(String etag) {
        return etag.startsWith("W/") ? etag.substring(2) : etag;
    }

    // ------------------------------------------------------------ exchanges and redirects

    /** A final (non-redirect) response and where it came from. */
    private record Exchange(HttpResponse<Flow.Publisher<List<ByteBuffer>>> response, URI location) {}

    /** Sends {@code method}, following up to {@value #MAX_REDIRECTS} redirects; the body is not read yet. */
    private Exchange send(String method, URI start, Map<String, String> extra) throws StorageException {
        URI current = start;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current)
                    .timeout(readTimeout)
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (mayCarryCredentials(current)) {
                for (Map.Entry<String, String> e : headersFor(current).entrySet()) {
                    b.setHeader(e.getKey(), e.getValue());
                }
                if (userInfo != null && origin(current).equals(origin(target))) {
                    b.setHeader("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                            percentDecode(userInfo).getBytes(StandardCharsets.UTF_8)));
                }
            }
            for (Map.Entry<String, String> e : extra.entrySet()) {
                b.setHeader(e.getKey(), e.getValue());
            }
            HttpResponse<Flow.Publisher<List<ByteBuffer>>> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofPublisher());
            } catch (HttpConnectTimeoutException e) {
                throw TransferException.retryable(shown, method + " " + host(current) + ": connect timed out ("
                        + CONNECT_TIMEOUT + ")", e);
            } catch (HttpTimeoutException e) {
                throw TransferException.retryable(shown, method + " " + host(current) + ": no response within "
                        + BodyStream.secondsOf(readTimeout.toNanos()) + " s (" + READ_TIMEOUT + ")", e);
            } catch (ConnectException e) {
                throw TransferException.retryable(shown, method + " " + host(current) + ": cannot connect: " + e, e);
            } catch (IOException e) {
                throw failures.fromCause(method + " " + host(current), e, null); // TLS: a ConfigurationException
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failures.fromCause(method + " " + host(current), e, null);
            } catch (IllegalArgumentException e) {
                // the JDK refuses a header or the URL; its message may quote a header value: not repeated here
                throw new ConfigurationException(shown, "cannot send a request to " + host(current)
                        + ": the JDK HTTP client refused a header or the URL");
            }
            int s = r.statusCode();
            if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) {
                return new Exchange(r, current);
            }
            discard(r);
            String location = r.headers().firstValue("Location").orElse(null);
            if (location == null) {
                throw TransferException.fatal(shown, "HTTP " + s + " redirect from " + host(current)
                        + " without a Location", null);
            }
            if (hop >= MAX_REDIRECTS) {
                throw TransferException.fatal(shown, "more than " + MAX_REDIRECTS + " redirects (last to "
                        + ModelUri.redact(location) + ")", null);
            }
            URI next;
            try {
                next = current.resolve(parseLenient(location));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw TransferException.fatal(shown, "HTTP " + s + " redirect to an invalid URL "
                        + ModelUri.redact(location), e);
            }
            if (next.getScheme() == null || !(next.getScheme().equalsIgnoreCase("http")
                    || next.getScheme().equalsIgnoreCase("https")) || next.getHost() == null) {
                throw TransferException.fatal(shown, "HTTP " + s + " redirect to a non-http URL "
                        + ModelUri.redact(location), null);
            }
            LOG.log(Level.DEBUG, "{0}: HTTP {1} redirect to {2}", shown, s, ModelUri.redact(next.toString()));
            current = next;
        }
    }

    /** Credentials never go over plain http once the URL we were given is https. */
    private boolean mayCarryCredentials(URI u) {
        return !(target.getScheme().equalsIgnoreCase("https") && u.getScheme().equalsIgnoreCase("http"));
    }

    /** {@code scheme://host:port}, lower case, with the scheme's default port made explicit. */
    private static String origin(URI u) {
        return u.getScheme().toLowerCase(Locale.ROOT) + "://" + hostKey(u.getHost()) + ":" + port(u);
    }

    private static String hostKey(String rawHost) {
        String host = rawHost.toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Whether {@code u} is the origin its host's headers belong to (the first one met for a host the URL did not name). */
    private boolean headersBelongTo(URI u) {
        return originByHost.computeIfAbsent(hostKey(u.getHost()), h -> origin(u)).equals(origin(u));
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static String host(URI u) {
        return u.getPort() >= 0 ? u.getHost() + ":" + u.getPort() : u.getHost();
    }

    /** The headers KServe's {@code <hostname>-headers} setting gives for {@code u}'s origin; empty when none. */
    private Map<String, String> headersFor(URI u) throws ConfigurationException {
        if (!headersBelongTo(u)) {
            return Map.of();
        }
        String host = hostKey(u.getHost());
        Map<String, String> known = headersByHost.get(host);
        if (known != null) {
            return known;
        }
        String name = host + HEADERS_SUFFIX;
        Optional<Setting> json = settings.get(name);
        Map<String, String> headers = new LinkedHashMap<>();
        if (json.isPresent()) {
            Object parsed = json.get().json();
            if (!(parsed instanceof Map)) {
                throw new ConfigurationException(shown, json.get() + " must be a JSON object of header names to values");
            }
            for (Map.Entry<?, ?> e : ((Map<?, ?>) parsed).entrySet()) {
                String k = String.valueOf(e.getKey()).trim();
                if (e.getValue() == null || e.getValue() instanceof Map || e.getValue() instanceof Collection) {
                    throw new ConfigurationException(shown, json.get() + ": header '" + k
                            + "' must have a string value");
                }
                if (RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                    LOG.log(Level.WARNING, "{0}: setting ''{1}'': header ''{2}'' is set by the HTTP client and is "
                            + "ignored", shown, name, k);
                    continue;
                }
                String value = String.valueOf(e.getValue());
                if (!k.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+") || !value.chars().allMatch(
                        c -> c == '\t' || c >= 0x20 && c <= 0xff && c != 0x7f)) {
                    throw new ConfigurationException(shown, json.get() + ": header '" + k
                            + "' has an invalid name, or a line break, control or non-Latin-1 character in its value");
                }
                headers.put(k, value);
            }
            LOG.log(Level.INFO, "{0}: sending headers {1} to {2} from setting {3}", shown,
                    headers.keySet(), host, json.get());
        } else {
            LOG.log(Level.INFO, "{0}: no extra headers for {1} (no setting ''{2}'' in {3})", shown, host, name,
                    settings.description());
        }
        headersByHost.put(host, Map.copyOf(headers));
        return headersByHost.get(host);
    }

    /** Throws the typed error for a non-success status; returns the exchange for 200 and 206. */
    private Exchange orThrow(Exchange ex, String what) throws StorageException {
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> r = ex.response();
        int s = r.statusCode();
        if (s == 200 || s == 206) {
            return ex;
        }
        discard(r);
        throw failures.forStatus(s, what, "HTTP " + s + " from " + host(ex.location()),
                credentialsUsed(ex.location()), null);
    }

    private String credentialsUsed(URI u) throws ConfigurationException {
        String host = hostKey(u.getHost());
        String name = host + HEADERS_SUFFIX;
        Map<String, String> sent = headersByHost.getOrDefault(host, Map.of());
        if (!mayCarryCredentials(u)) {
            return "no headers were sent (a redirect went from https to plain http)";
        }
        if (!headersBelongTo(u)) {
            return "no headers were sent to " + origin(u) + " (those of setting '" + name + "' go to "
                    + originByHost.get(host) + " only)";
        }
        if (sent.isEmpty()) {
            return "no headers configured for " + host + " (setting '" + name + "', a JSON object, in "
                    + settings.description() + ")" + (userInfo != null ? "; sent the URL's user name and password" : "");
        }
        return "sent headers " + sent.keySet() + " from setting " + settings.describe(name);
    }

    /** Throws the body away without reading it all: a small one is drained, a large one cancelled. */
    private static void discard(HttpResponse<Flow.Publisher<List<ByteBuffer>>> r) {
        r.body().subscribe(new Flow.Subscriber<>() {
            private Flow.Subscription s;
            private long seen;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                s = subscription;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> item) {
                for (ByteBuffer b : item) {
                    seen += b.remaining();
                }
                if (seen > (64 << 10)) {
                    s.cancel();
                }
            }

            @Override
            public void onError(Throwable throwable) {}

            @Override
            public void onComplete() {}
        });
    }

    // ------------------------------------------------------------ headers

    private static OptionalLong contentLength(HttpHeaders h) {
        Optional<String> v = h.firstValue("Content-Length");
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long n = Long.parseLong(v.get().trim());
            return n >= 0 ? OptionalLong.of(n) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** {first, last, total} of "bytes a-b/total" (total -1 when "*"), {-1, -1, total} for "bytes star/total". */
    static long[] contentRange(HttpHeaders h) {
        String v = h.firstValue("Content-Range").orElse(null);
        if (v == null) {
            return null;
        }
        v = v.trim();
        if (!v.regionMatches(true, 0, "bytes ", 0, 6)) {
            return null;
        }
        v = v.substring(6).trim();
        int slash = v.indexOf('/');
        if (slash < 0) {
            return null;
        }
        try {
            String span = v.substring(0, slash).trim();
            String totalText = v.substring(slash + 1).trim();
            long total = totalText.equals("*") ? -1 : Long.parseLong(totalText);
            if (span.equals("*")) {
                return new long[] {-1, -1, total};
            }
            int dash = span.indexOf('-');
            return new long[] {Long.parseLong(span.substring(0, dash)), Long.parseLong(span.substring(dash + 1)), total};
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ------------------------------------------------------------ settings

    /** Trusts the CA bundle KServe mounts when {@code CA_BUNDLE_CONFIGMAP_NAME} is set, besides the JDK's. */
    private static SSLContext customTrust(Settings settings) throws ConfigurationException {
        String shown = settings.uri();
        Optional<Path> bundle = TrustBundles.clusterBundle(settings);
        if (bundle.isEmpty()) {
            return null;
        }
        SSLContext ctx = TrustBundles.trustingDefaultsAnd(shown, List.of(bundle.get()),
                TrustBundles.CONFIGMAP_NAME + " is set");
        LOG.log(Level.INFO, "{0}: trusting the certificates in {1} besides the default ones ({2} is set)",
                shown, bundle.get(), TrustBundles.CONFIGMAP_NAME);
        return ctx;
    }

    // ------------------------------------------------------------ URL text

    /**
     * Percent-encodes what may not appear raw in a URL (spaces, non-ASCII, ...) and keeps what may, including
     * existing {@code %XX} escapes: the URL the user wrote is sent as written where it is already valid.
     */
    static String encode(String s, boolean query) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0 || (query && c == '?');
            if (c == '%' && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
                keep = true;
            }
            if (keep) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    private static URI parseLenient(String location) throws URISyntaxException {
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            int hash = location.indexOf('#');
            return new URI(encode(hash < 0 ? location : location.substring(0, hash), true));
        }
    }

    private static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static String percentDecode(String s) {
        try {
            return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    @Override
    public String toString() {
        return "HttpObjectSource[" + shown + "]";
    }
}
