package dev.storageinit.spi.http;

import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Redactor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpConnectTimeoutException;
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
 * The one request path of the JDK-{@link java.net.http.HttpClient} sources: sends a request, follows redirects
 * itself (at most {@value #MAX_REDIRECTS}) with the {@link Signer} applied per origin (credentials never leave the
 * source's own origin, never go from https down to plain http), maps transport failures and refusals to the typed
 * exceptions through {@link Failures}, and reads byte ranges pinned to a version ({@code If-Match}, else
 * {@code If-Unmodified-Since}). A server that ignores the range header and answers 200 with the whole object is
 * handled here, once: the body's length is checked against the object's, the bytes before the offset are skipped,
 * and the stream ends after the range, so every source on this path yields the same bytes. Bodies are
 * {@link BodyStream}s: the one stall timeout.
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

    private final JdkHttp http;
    private final Failures failures;
    private final URI home;
    private final String homeOrigin;
    private final boolean homeHttps;
    private final Signer signer;
    private final Duration readTimeout;
    private final String connectSetting;
    private final String readSetting;
    private final String rangeHeader;
    private final Refusal refusal;
    private final Map<String, String> fixed;

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
        private final JdkHttp http;
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

    /** Discards the body of a refused answer and returns its typed error. */
    public StorageException refused(Response r, String what) throws StorageException {
        r.discard();
        return refusal.refused(r, what);
    }

    // ------------------------------------------------------------ ranged reads

    /**
     * Reads {@code part} of the object at {@code start} (redirects followed), pinned to its version.
     *
     * @param what the operation, for messages, e.g. {@code GET bytes 0-99 of /a.bin}
     * @throws IntegrityException when the object is no longer the version or size it was
     */
    public BodyStream read(URI start, Part part, String what) throws StorageException {
        if (part.length() == 0) {
            BodyStream empty = body(what, 0, start);
            empty.onComplete();
            return empty;
        }
        long last = part.offset() + part.length() - 1;
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        if (part.etag() != null && !part.etag().startsWith("W/")) {
            headers.put("If-Match", part.etag());
        } else if (part.lastModified() != null) {
            headers.put("If-Unmodified-Since", part.lastModified());
        }
        if (part.sendRange()) {
            headers.put(rangeHeader, "bytes=" + part.offset() + "-" + last);
        }
        Response r = send("GET", start, headers);
        int s = r.status();
        if (s != 200 && s != 206) {
            throw refused(r, what);
        }
        String etag = r.header("ETag").orElse(null);
        if (part.etag() != null && etag != null && !opaque(etag).equals(opaque(part.etag()))) {
            r.discard();
            throw new IntegrityException(
                    failures.uri(),
                    what + ": the file changed on the server during the " + "download (ETag " + part.etag() + " became "
                            + etag + ")");
        }
        long before;
        try {
            before = RangeAnswer.bytesBefore(
                    failures,
                    what,
                    s,
                    r.header("Content-Range").orElse(null),
                    HttpText.contentLength(r.headers()),
                    part.offset(),
                    part.size());
        } catch (IntegrityException e) {
            r.discard();
            throw e;
        }
        if (s == 200 && part.sendRange()) {
            LOG.log(
                    Level.DEBUG,
                    "{0}: {1}: the server ignored the range and sent the whole object",
                    failures.uri(),
                    what);
        }
        BodyStream body = r.body(what, part.length());
        if (before > 0) {
            try {
                body.skipExactly(before);
            } catch (IOException e) {
                body.close();
                throw e instanceof StorageException
                        ? (StorageException) e
                        : TransferException.retryable(failures.uri(), what + ": " + e.getMessage(), e);
            }
        }
        return body;
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
            if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) {
                return r;
            }
            r.discard();
            String location = raw.headers().firstValue("Location").orElse(null);
            if (location == null) {
                throw TransferException.fatal(
                        failures.uri(),
                        "HTTP " + s + " redirect from " + HttpText.host(current) + " without a Location",
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
                        failures.uri(), "HTTP " + s + " redirect to an invalid URL " + ModelUri.redact(location), e);
            }
            if (next.getScheme() == null
                    || !(next.getScheme().equalsIgnoreCase("http")
                            || next.getScheme().equalsIgnoreCase("https"))
                    || next.getHost() == null) {
                throw TransferException.fatal(
                        failures.uri(), "HTTP " + s + " redirect to a non-http URL " + ModelUri.redact(location), null);
            }
            LOG.log(Level.DEBUG, "{0}: HTTP {1} redirect to {2}", failures.uri(), s, ModelUri.redact(next.toString()));
            current = next;
        }
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
    private ConfigurationException refusedByClient(URI current) {
        return new ConfigurationException(
                failures.uri(),
                "cannot send a request to " + HttpText.host(current)
                        + ": the JDK HTTP client refused a header or the URL");
    }

    private static String named(String setting) {
        return setting == null ? "" : " (" + setting + ")";
    }
}
