package dev.storageinit.http;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.IntegrityException;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.internal.Json;
import dev.storageinit.internal.Redactor;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
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
import javax.net.ssl.SSLException;

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
    private final CredentialSource settings;
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

    private HttpObjectSource(ModelUri uri, URI target, String userInfo, CredentialSource settings, HttpClient client,
            Duration readTimeout) {
        this.uri = uri;
        this.shown = uri.redacted();
        this.target = target;
        this.userInfo = userInfo;
        this.settings = settings;
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
        CredentialSource settings = context.settings();
        Duration connect = seconds(settings, CONNECT_TIMEOUT, 15, shown);
        Duration read = seconds(settings, READ_TIMEOUT, 30, shown);
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // one connection per range: parallel TCP streams
                .followRedirects(HttpClient.Redirect.NEVER) // followed here, dropping credentials across hosts
                .connectTimeout(connect);
        SSLContext ssl = customTrust(settings, shown);
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
                        : new TransferException(shown, what + ": " + e.getMessage(), true, e);
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
                        throw new TransferException(shown, "interrupted", true, ie);
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
        } else if (s == 401 || s == 404 || s == 410 || s == 429 || s >= 500 && s != 501) {
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
                throw new TransferException(shown, "the server answered a ranged GET without the file's total size ("
                        + "Content-Range: " + g.firstValue("Content-Range").orElse("none") + ")", false, null);
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
                throw new TransferException(shown, "the server sends the file without a Content-Length and does not "
                        + "serve byte ranges, so its size cannot be verified; not downloaded", false, null);
            }
            return new Probe(size.getAsLong(), etag, lastModified, false, get.location());
        }
        orThrow(get, "GET /" + key());
        throw new TransferException(shown, "unexpected HTTP status " + gs + " for GET /" + key(), false, null);
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
                throw new TransferException(shown, method + " " + host(current) + ": connect timed out ("
                        + CONNECT_TIMEOUT + ")", true, e);
            } catch (HttpTimeoutException e) {
                throw new TransferException(shown, method + " " + host(current) + ": no response within "
                        + BodyStream.secondsOf(readTimeout.toNanos()) + " s (" + READ_TIMEOUT + ")", true, e);
            } catch (ConnectException e) {
                throw new TransferException(shown, method + " " + host(current) + ": cannot connect: " + e, true, e);
            } catch (SSLException e) {
                throw new TransferException(shown, method + " " + host(current) + ": TLS failed (" + e.getMessage()
                        + "); for a private CA set CA_BUNDLE_CONFIGMAP_NAME and mount cabundle.crt", false, e);
            } catch (IOException e) {
                throw new TransferException(shown, method + " " + host(current) + ": " + e, true, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransferException(shown, method + " " + host(current) + ": interrupted", true, e);
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
                throw new TransferException(shown, "HTTP " + s + " redirect from " + host(current)
                        + " without a Location", false, null);
            }
            if (hop >= MAX_REDIRECTS) {
                throw new TransferException(shown, "more than " + MAX_REDIRECTS + " redirects (last to "
                        + ModelUri.redact(location) + ")", false, null);
            }
            URI next;
            try {
                next = current.resolve(parseLenient(location));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new TransferException(shown, "HTTP " + s + " redirect to an invalid URL "
                        + ModelUri.redact(location), false, e);
            }
            if (next.getScheme() == null || !(next.getScheme().equalsIgnoreCase("http")
                    || next.getScheme().equalsIgnoreCase("https")) || next.getHost() == null) {
                throw new TransferException(shown, "HTTP " + s + " redirect to a non-http URL "
                        + ModelUri.redact(location), false, null);
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
        Optional<String> json = settings.get(name);
        Map<String, String> headers = new LinkedHashMap<>();
        if (json.isPresent()) {
            Object parsed;
            try {
                parsed = Json.parse(json.get());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(shown, "setting '" + name + "' (from " + settings.describe(name)
                        + ") is not valid JSON; expected an object of header names to values");
            }
            if (!(parsed instanceof Map)) {
                throw new ConfigurationException(shown, "setting '" + name + "' (from " + settings.describe(name)
                        + ") must be a JSON object of header names to values");
            }
            for (Map.Entry<?, ?> e : ((Map<?, ?>) parsed).entrySet()) {
                String k = String.valueOf(e.getKey()).trim();
                if (e.getValue() == null || e.getValue() instanceof Map || e.getValue() instanceof Collection) {
                    throw new ConfigurationException(shown, "setting '" + name + "': header '" + k
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
                    throw new ConfigurationException(shown, "setting '" + name + "': header '" + k
                            + "' has an invalid name, or a line break, control or non-Latin-1 character in its value");
                }
                headers.put(k, value);
            }
            LOG.log(Level.INFO, "{0}: sending headers {1} to {2} from setting ''{3}'' ({4})", shown,
                    headers.keySet(), host, name, settings.describe(name));
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
        String at = "HTTP " + s + " from " + host(ex.location()) + " for " + what;
        if (s == 401 || s == 403) {
            throw new AccessDeniedException(shown, at + "; " + credentialsUsed(ex.location()));
        }
        if (s == 404 || s == 410) {
            throw new NotFoundException(shown, at + ": no such file");
        }
        if (s == 412) {
            throw new IntegrityException(shown, at + ": the file changed on the server during the download");
        }
        if (s == 416) {
            throw new IntegrityException(shown, at + ": the range is past the end; the file changed on the server");
        }
        if (s == 408 || s == 429 || s >= 500) {
            throw new TransferException(shown, at, true, null);
        }
        throw new TransferException(shown, at + ": unexpected status", false, null);
    }

    private String credentialsUsed(URI u) {
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
        return "sent headers " + sent.keySet() + " from setting '" + name + "' (" + settings.describe(name) + ")";
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

    private static Duration seconds(CredentialSource settings, String name, long dflt, String shown)
            throws ConfigurationException {
        Optional<String> v = settings.get(name);
        if (v.isEmpty()) {
            return Duration.ofSeconds(dflt);
        }
        try {
            double s = Double.parseDouble(v.get().trim());
            if (!(s > 0) || s > 86_400) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
        } catch (NumberFormatException e) {
            throw new ConfigurationException(shown, name + " (from " + settings.describe(name)
                    + ") must be a number of seconds above 0");
        }
    }

    /** Trusts the CA bundle KServe mounts when {@code CA_BUNDLE_CONFIGMAP_NAME} is set, besides the JDK's. */
    private static SSLContext customTrust(CredentialSource settings, String shown) throws ConfigurationException {
        Optional<Path> bundle = TrustBundles.clusterBundle(Settings.of(settings, shown));
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
