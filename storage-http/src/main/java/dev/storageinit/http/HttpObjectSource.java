package dev.storageinit.http;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.http.HttpText;
import dev.storageinit.spi.http.JdkHttp;
import dev.storageinit.spi.http.RangedGet;
import dev.storageinit.spi.http.Response;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Settings;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The single file an http(s) URI names. {@link #key()} is the URI's path; listing yields nothing, so the engine
 * asks {@link #stat} for the object itself: a HEAD (or a one-byte ranged GET when HEAD is refused or says nothing
 * about ranges) gives its size, version (strong ETag, else Last-Modified) and whether the server serves ranges.
 * Reads are ranged GETs on the shared {@link RangedGet} path (pinned, redirects followed there, at most
 * {@value RangedGet#MAX_REDIRECTS}). KServe's per-host headers ({@code <host>-headers}) and any userinfo credentials
 * belong to an origin (scheme, host, port), not to a host name: those of the URL's host go to the URL's origin only,
 * those of another host to the first origin of that host a redirect led to; never from https down to plain http.
 */
final class HttpObjectSource implements ObjectSource {
    private static final System.Logger LOG = Redactor.logger(HttpObjectSource.class.getName());

    static final String CONNECT_TIMEOUT = "HTTP_CONNECT_TIMEOUT";
    static final String READ_TIMEOUT = "HTTP_READ_TIMEOUT";

    private static final String FORM = "expected http(s)://<host>[:port]/<path to a file>[?query]";

    private final ModelUri uri;
    private final String shown;
    private final URI target;
    private final Settings settings;
    private final Failures failures;
    private final JdkHttp http;
    private final RangedGet get;
    private final HostHeaders headers;

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

    private HttpObjectSource(
            ModelUri uri,
            URI target,
            String userInfo,
            Settings settings,
            JdkHttp http,
            Duration readTimeout,
            String readTimeoutName) {
        this.uri = uri;
        this.shown = uri.redacted();
        this.target = target;
        this.settings = settings;
        this.failures = new Failures(shown);
        this.http = http;
        this.headers = new HostHeaders(shown, target, userInfo, settings);
        this.get = RangedGet.builder(http, failures, target)
                .signer(headers)
                .readTimeout(readTimeout)
                .timeoutSettings(CONNECT_TIMEOUT, readTimeoutName)
                .refusal((r, what) -> failures.forStatus(
                        r.status(),
                        what,
                        "HTTP " + r.status() + " from " + HttpText.host(r.location()),
                        headers.credentialsUsed(r.location()),
                        null))
                .build();
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
            target = new URI(uri.scheme() + "://" + hostPort + "/" + HttpText.encodeLeniently(uri.path(), false)
                    + (uri.query().isEmpty() ? "" : "?" + HttpText.encodeLeniently(uri.query(), true)));
            if (target.getHost() == null) {
                throw new URISyntaxException(hostPort, "no host");
            }
        } catch (URISyntaxException e) {
            throw new InvalidUriException(shown, "not a valid http(s) URL (" + e.getReason() + "); " + FORM, e);
        }
        Settings settings = Settings.of(context.settings(), shown);
        Duration connect = settings.seconds(CONNECT_TIMEOUT, Duration.ofSeconds(15));
        Duration read = settings.readTimeout(READ_TIMEOUT, Duration.ofSeconds(30));
        return new HttpObjectSource(
                uri,
                target,
                userInfo,
                settings,
                JdkHttp.open(settings, context, connect),
                read,
                settings.readTimeoutName(READ_TIMEOUT));
    }

    // ------------------------------------------------------------ ObjectSource

    @Override
    public String key() {
        return uri.path();
    }

    /** Empty: a URL names one file, nothing lies "under" it, and the engine falls back to {@code stat(key())}. */
    @Override
    public ListPage list(String prefix, String pageToken) {
        return ListPage.last(List.of());
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
        RangedGet.Part part =
                new RangedGet.Part(offset, length, p.size(), p.etag(), p.lastModified(), p.ranges() && !whole);
        String what = "GET " + (whole ? "" : "bytes " + offset + "-" + (offset + length - 1) + " of ") + "/" + key();
        try {
            return get.readDirect(p.location(), part, what).body();
        } catch (AccessDeniedException | NotFoundException e) {
            if (p.location().equals(target)) {
                throw e;
            }
            // a redirect target (a signed URL) may have expired: start again from the URL we were given
            RangedGet.Read read = get.readDirect(target, part, what);
            probe = new Probe(
                    p.size(), p.etag(), p.lastModified(), p.ranges(), read.location()); // later reads go there
            return read.body();
        }
    }

    @Override
    public void close() {
        http.close();
    }

    // ------------------------------------------------------------ probing

    /** The object's size, version and range support, asked once (the engine retries a failed {@link #stat}). */
    private synchronized Probe probe() throws StorageException {
        if (probe == null) {
            probe = probeOnce();
            LOG.log(
                    Level.DEBUG,
                    "{0}: {1} bytes, version {2}, ranges {3}",
                    shown,
                    probe.size(),
                    probe.version(),
                    probe.ranges());
        }
        return probe;
    }

    private Probe probeOnce() throws StorageException {
        Response head = get.send("HEAD", target, Map.of());
        int s = head.status();
        head.discard();
        HttpHeaders h = head.headers();
        if (s == 200) {
            OptionalLong size = HttpText.contentLength(h);
            String ranges = h.firstValue("Accept-Ranges").orElse("").trim().toLowerCase(Locale.ROOT);
            if (size.isPresent() && (ranges.equals("bytes") || ranges.equals("none"))) {
                return new Probe(
                        size.getAsLong(),
                        h.firstValue("ETag").orElse(null),
                        h.firstValue("Last-Modified").orElse(null),
                        ranges.equals("bytes"),
                        head.location());
            }
        } else if (s == 401 || s == 404 || s == 410 || Failures.isRetryableStatus(s)) {
            throw get.refused(head, "HEAD /" + key());
        }
        // HEAD refused (405, 501, a signed GET-only URL's 403) or silent about ranges: ask for one byte
        Response one = this.get.send("GET", target, Map.of("Range", "bytes=0-0"));
        HttpHeaders g = one.headers();
        String etag = g.firstValue("ETag").orElse(null);
        String lastModified = g.firstValue("Last-Modified").orElse(null);
        int gs = one.status();
        if (gs != 200 && gs != 206 && gs != 416) {
            throw this.get.refused(one, "GET /" + key());
        }
        one.discard();
        if (gs == 206) {
            long[] range = HttpText.contentRange(g);
            if (range == null || range[2] < 0) {
                throw TransferException.fatal(
                        shown,
                        "the server answered a ranged GET without the file's total size (" + "Content-Range: "
                                + g.firstValue("Content-Range").orElse("none") + ")",
                        null);
            }
            return new Probe(range[2], etag, lastModified, true, one.location());
        }
        if (gs == 416) {
            // bytes=0-0 of an empty file is unsatisfiable: "Content-Range: bytes */0"
            long[] range = HttpText.contentRange(g);
            if (range != null && range[2] == 0) {
                return new Probe(0, etag, lastModified, false, one.location());
            }
            throw this.get.refused(one, "GET /" + key());
        }
        if (gs == 200) {
            OptionalLong size = HttpText.contentLength(g);
            if (size.isEmpty()) {
                throw TransferException.fatal(
                        shown,
                        "the server sends the file without a Content-Length and does not "
                                + "serve byte ranges, so its size cannot be verified; not downloaded",
                        null);
            }
            return new Probe(size.getAsLong(), etag, lastModified, false, one.location());
        }
        throw TransferException.fatal(shown, "unexpected HTTP status " + gs + " for GET /" + key(), null);
    }

    @Override
    public String toString() {
        return "HttpObjectSource[" + shown + "]";
    }
}
