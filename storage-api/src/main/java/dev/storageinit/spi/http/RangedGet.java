package dev.storageinit.spi.http;

import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Redactor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Flow;

/**
 * The one request path of the HTTP sources: sends a request on the JDK {@link java.net.http.HttpClient} (its body a
 * {@link BodyStream}, with the stall timeout), follows redirects itself (at most {@value #MAX_REDIRECTS}) with the
 * {@link Signer} applied per origin (credentials never leave the source's own origin, never go from https down to
 * plain http), maps transport failures and refusals to the typed exceptions through {@link Failures}, and reads byte
 * ranges ({@link #readDirect}, on the JDK's {@code HttpURLConnection}) pinned to a version ({@code If-Match}, else
 * {@code If-Unmodified-Since}). A server that ignores the range header and answers 200 with the whole object is
 * handled once ({@link RangeAnswer}): the body's length is checked against the object's, the bytes before the offset
 * are skipped, and the stream ends after the range, so every source on this path yields the same bytes.
 */
public final class RangedGet {
    private static final System.Logger LOG = Redactor.logger(RangedGet.class.getName());
    /** Redirects followed at most. */
    public static final int MAX_REDIRECTS = 5;
    /** Maps a refused answer (not 2xx, not a redirect) to the typed error; its body is already discarded. */
    @FunctionalInterface
    public interface Refusal {
        StorageException refused(Response response, String what) throws StorageException;
    }

    /**
     * One range of an object.
     *
     * @param offset first byte
     * @param length bytes wanted
     * @param size the object's size when it was listed
     * @param etag its ETag (a strong one pins the read with {@code If-Match}), or null
     * @param lastModified its Last-Modified (pins with {@code If-Unmodified-Since} without a strong ETag), or null
     * @param sendRange whether to ask for the range; false for a server known not to serve ranges (the body is then
     *     read from its start, skipping to {@code offset})
     */
    public record Part(long offset, long length, long size, String etag, String lastModified, boolean sendRange) {}

    final JdkHttp http;
    private final Failures failures;
    private final URI home;
    private final String homeOrigin;
    private final boolean homeHttps;
    private final Signer signer;
    final Duration readTimeout;
    final String connectSetting;
    final String readSetting;
    private final String rangeHeader;
    private final Refusal refusal;
    private final Map<String, String> fixed;
    private final DirectRead direct = new DirectRead(this);

    private RangedGet(Builder b) {
        this.fixed = Map.copyOf(b.fixed);
        this.http = b.http;
        this.failures = b.failures;
        this.home = b.home;
        this.homeOrigin = HttpText.origin(b.home);
        this.homeHttps = b.home.getScheme().equalsIgnoreCase("https");
        this.signer = b.signer;
        this.readTimeout = b.readTimeout;
        this.connectSetting = b.connectSetting;
        this.readSetting = b.readSetting;
        this.rangeHeader = b.rangeHeader;
        this.refusal = b.refusal != null
                ? b.refusal
                : (r, what) -> failures.forStatus(
                        r.status(), what, "HTTP " + r.status() + " from " + HttpText.host(r.location()), "none", null);
    }

    /**
     * @param http the source's client
     * @param failures the source's error mapper (its URI starts every message)
     * @param home the URL whose origin the signer's credentials belong to
     */
    public static Builder builder(JdkHttp http, Failures failures, URI home) {
        return new Builder(http, failures, home);
    }

    /** How a {@link RangedGet} signs, times out, names its settings, asks for ranges and maps refusals. */
    public static final class Builder {
        final JdkHttp http;
        private final Failures failures;
        private final URI home;
        private Signer signer = Signer.NONE;
        private Duration readTimeout = Duration.ofSeconds(30);
        private String connectSetting;
        private String readSetting;
        private String rangeHeader = "Range";
        private Refusal refusal;
        private final Map<String, String> fixed = new java.util.LinkedHashMap<>();

        private Builder(JdkHttp http, Failures failures, URI home) {
            this.http = Objects.requireNonNull(http);
            this.failures = Objects.requireNonNull(failures);
            this.home = Objects.requireNonNull(home);
        }

        public Builder signer(Signer signer) {
            this.signer = Objects.requireNonNull(signer);
            return this;
        }

        /** Longest wait for an answer's headers, and for each next part of a body (the stall timeout). */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
            return this;
        }

        /** The settings that set the connect and read timeouts, named in timeout messages; null for none. */
        public Builder timeoutSettings(String connect, String read) {
            this.connectSetting = connect;
            this.readSetting = read;
            return this;
        }

        /** The header that asks for a range: {@code Range} (default) or a store's own ({@code x-ms-range}). */
        public Builder rangeHeader(String rangeHeader) {
            this.rangeHeader = rangeHeader;
            return this;
        }

        /** Maps refused answers; the default is {@link Failures#forStatus} with no credentials named. */
        public Builder refusal(Refusal refusal) {
            this.refusal = refusal;
            return this;
        }

        /** A header sent with every request (a store's API version); not a credential: those go in the signer. */
        public Builder header(String name, String value) {
            fixed.put(name, value);
            return this;
        }

        public RangedGet build() {
            return new RangedGet(this);
        }
    }

    Failures failures() {
        return failures;
    }

    BodyStream body(String what, long limit, URI location) {
        return new BodyStream(failures.uri(), what, readTimeout.toNanos(), readSetting, limit, location);
    }

    /**
     * Discards the body of a refused answer and returns its typed error; a retryable one carries the wait the
     * server asked for ({@link HttpText#retryAfter}).
     */
    public StorageException refused(Response r, String what) throws StorageException {
        r.discard();
        StorageException e = refusal.refused(r, what);
        if (e instanceof TransferException t
                && t.isRetryable()
                && t.retryAfter().isEmpty()) {
            HttpText.retryAfter(r.headers()).ifPresent(t::retryAfter);
        }
        return e;
    }

    // ------------------------------------------------------------ ranged reads

    /** A ranged read's body, and the URL that sent it (after redirects). */
    public record Read(InputStream body, URI location) {}

    /**
     * Reads {@code part} of the object at {@code start} (redirects followed), pinned to its version, on a connection
     * of the JDK's {@link HttpURLConnection} rather than the {@code HttpClient}: the bytes go from the socket into the
     * reader's buffer, with no buffer allocated per socket read and no hand-off between threads (on a 2 GiB file read
     * in 16 MiB ranges, 8 at a time, from loopback: 2.8 CPU-s and 88 MB RSS, against 5.6 CPU-s and 217 MB through the
     * {@code HttpClient}, whose garbage also grew the old generation with the length of the download). The same
     * headers, signer rules, redirects, refusals and answer checks as {@link #send}; a read that waits longer than the
     * read timeout for the next bytes fails retryably (the socket's timeout). Metadata requests stay on
     * {@link #send}.
     *
     * @param what the operation, for messages, e.g. {@code GET bytes 0-99 of /a.bin}
     * @throws IntegrityException when the object is no longer the version or size it was
     */
    public Read readDirect(URI start, Part part, String what) throws StorageException {
        return direct.read(start, part, what);
    }

    /** The headers of a ranged read: its version pin and its range. */
    Map<String, String> rangeHeaders(Part part) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        if (part.etag() != null && !part.etag().startsWith("W/")) {
            headers.put("If-Match", part.etag());
        } else if (part.lastModified() != null) {
            headers.put("If-Unmodified-Since", part.lastModified());
        }
        if (part.sendRange()) {
            headers.put(rangeHeader, "bytes=" + part.offset() + "-" + (part.offset() + part.length() - 1));
        }
        return headers;
    }

    /**
     * Checks a 200 or 206 answer to a ranged read against the object as listed (its ETag, its range or size); how
     * many bytes of the body lie before the range.
     */
    long bytesBefore(int status, HttpHeaders h, Part part, String what) throws IntegrityException {
        String etag = h.firstValue("ETag").orElse(null);
        if (part.etag() != null && etag != null && !opaque(etag).equals(opaque(part.etag()))) {
            throw new IntegrityException(
                    failures.uri(),
                    what + ": the file changed on the server during the " + "download (ETag " + part.etag() + " became "
                            + etag + ")");
        }
        long before = RangeAnswer.bytesBefore(
                failures,
                what,
                status,
                h.firstValue("Content-Range").orElse(null),
                HttpText.contentLength(h),
                part.offset(),
                part.size());
        if (status == 200 && part.sendRange()) {
            LOG.log(
                    Level.DEBUG,
                    "{0}: {1}: the server ignored the range and sent the whole object",
                    failures.uri(),
                    what);
        }
        return before;
    }

    private static String opaque(String etag) {
        return etag.startsWith("W/") ? etag.substring(2) : etag;
    }

    // ------------------------------------------------------------ requests and redirects

    /**
     * Sends {@code method} to {@code start} with {@code headers}, following redirects; the answer's body is not read
     * yet. The signer adds its headers last, so it sees (and signs) every other header.
     */
    public Response send(String method, URI start, Map<String, String> headers) throws StorageException {
        URI current = start;
        for (int hop = 0; ; hop++) {
            Signer.Request request = signed(method, current, headers);
            HttpRequest.Builder b;
            try {
                b = HttpRequest.newBuilder(current)
                        .timeout(readTimeout)
                        .method(method, HttpRequest.BodyPublishers.noBody());
                for (Map.Entry<String, String> e : request.headers().entrySet()) {
                    b.setHeader(e.getKey(), e.getValue());
                }
            } catch (IllegalArgumentException e) {
                throw refusedByClient(current);
            }
            HttpResponse<Flow.Publisher<List<ByteBuffer>>> raw = exchange(method, current, b);
            int s = raw.statusCode();
            Response r = new Response(raw, current, this);
            if (!isRedirect(s)) {
                return r;
            }
            r.discard();
            current = redirect(current, s, raw.headers().firstValue("Location").orElse(null), hop);
        }
    }

    /**
     * The request to {@code current}: the fixed headers, {@code headers}, then the signer's, which sees (and signs)
     * every other header; credentials only for the source's own origin, never from https down to plain http.
     */
    Signer.Request signed(String method, URI current, Map<String, String> headers) throws StorageException {
        Signer.Request request = new Signer.Request(method, current);
        fixed.forEach(request::set);
        headers.forEach(request::set);
        if (!(homeHttps && current.getScheme().equalsIgnoreCase("http"))) {
            if (HttpText.origin(current).equals(homeOrigin)) {
                signer.sign(request);
            } else {
                signer.signElsewhere(request);
            }
        }
        return request;
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** Where redirect number {@code hop}, a {@code status} answer from {@code current}, leads. */
    URI redirect(URI current, int status, String location, int hop) throws TransferException {
        if (location == null) {
            throw TransferException.fatal(
                    failures.uri(),
                    "HTTP " + status + " redirect from " + HttpText.host(current) + " without a Location",
                    null);
        }
        if (hop >= MAX_REDIRECTS) {
            throw TransferException.fatal(
                    failures.uri(),
                    "more than " + MAX_REDIRECTS + " redirects (last to " + ModelUri.redact(location) + ")",
                    null);
        }
        URI next;
        try {
            next = current.resolve(HttpText.parseLenient(location));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw TransferException.fatal(
                    failures.uri(), "HTTP " + status + " redirect to an invalid URL " + ModelUri.redact(location), e);
        }
        if (next.getScheme() == null
                || !(next.getScheme().equalsIgnoreCase("http")
                        || next.getScheme().equalsIgnoreCase("https"))
                || next.getHost() == null) {
            throw TransferException.fatal(
                    failures.uri(),
                    "HTTP " + status + " redirect to a non-http URL " + ModelUri.redact(location),
                    null);
        }
        LOG.log(Level.DEBUG, "{0}: HTTP {1} redirect to {2}", failures.uri(), status, ModelUri.redact(next.toString()));
        return next;
    }

    private HttpResponse<Flow.Publisher<List<ByteBuffer>>> exchange(String method, URI current, HttpRequest.Builder b)
            throws StorageException {
        String what = method + " " + HttpText.host(current);
        try {
            return http.client().send(b.build(), HttpResponse.BodyHandlers.ofPublisher());
        } catch (HttpConnectTimeoutException e) {
            throw TransferException.retryable(failures.uri(), what + ": connect timed out" + named(connectSetting), e);
        } catch (HttpTimeoutException e) {
            throw TransferException.retryable(
                    failures.uri(),
                    what + ": no response within " + BodyStream.secondsOf(readTimeout.toNanos()) + " s"
                            + named(readSetting),
                    e);
        } catch (ConnectException e) {
            throw TransferException.retryable(failures.uri(), what + ": cannot connect: " + e, e);
        } catch (IOException e) {
            throw failures.fromCause(what, e, null); // TLS: a ConfigurationException
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failures.fromCause(what, e, null);
        } catch (IllegalArgumentException e) {
            throw refusedByClient(current);
        }
    }

    /** The JDK refused a header or the URL; its message may quote a header value: not repeated. */
    ConfigurationException refusedByClient(URI current) {
        return new ConfigurationException(
                failures.uri(),
                "cannot send a request to " + HttpText.host(current)
                        + ": the JDK HTTP client refused a header or the URL");
    }

    static String named(String setting) {
        return setting == null ? "" : " (" + setting + ")";
    }
}
