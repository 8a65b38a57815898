package dev.storageinit.azure;

import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.http.JdkHttp;
import dev.storageinit.spi.http.RangedGet;
import dev.storageinit.spi.http.Response;
import dev.storageinit.spi.http.Signer;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Settings;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * One container read with the Blob REST API on the shared JDK-{@link java.net.http.HttpClient} path
 * ({@link RangedGet}), for account-key, SAS and anonymous access: List Blobs (5,000 per page, StAX-parsed), Get Blob
 * Properties (HEAD) and ranged Get Blob ({@code x-ms-range}) pinned with {@code If-Match}, Shared Key signatures
 * computed here as a {@link Signer} (the documented string-to-sign). No Azure SDK class is loaded, which saves the
 * SDK's start (~4,700 classes, ~2.8 s cold on 2 cores) and ~40 % of the CPU per GiB read compared with the SDK's
 * netty/reactor body path. A body that makes no progress for the read timeout ({@code STORAGE_READ_TIMEOUT},
 * default 60 s) fails (retryably) through the shared body stream. Token credentials go through the SDK ({@link AzureObjectSource}).
 */
final class RestObjectSource implements ObjectSource {
    static final String VERSION = "2024-08-04";
    /** The read timeout when {@code STORAGE_READ_TIMEOUT} is not set. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private static final DateTimeFormatter RFC1123 = DateTimeFormatter.RFC_1123_DATE_TIME;

    private static final System.Logger LOG = Redactor.logger(AzureObjectSource.class.getName());
    static int pageSize = 5000;

    private final AzureLocation location;
    private final AzureAuth auth;
    private final String containerUrl;
    private final String shown;
    private final AzureErrors errors;
    private final byte[] key;
    private final ThreadLocal<Mac> hmac = ThreadLocal.withInitial(this::newHmac);
    private volatile Date date;
    private final JdkHttp http;
    private final RangedGet get;

    private RestObjectSource(AzureLocation location, AzureAuth auth, JdkHttp http, Duration readTimeout) {
        this.location = location;
        this.auth = auth;
        this.containerUrl = auth.endpoint + "/" + encode(location.container());
        this.shown = location.shown();
        this.errors = new AzureErrors(location, auth);
        this.key = auth.kind == AzureAuth.Kind.ACCOUNT_KEY ? Base64.getDecoder().decode(auth.secret) : null;
        this.http = http;
        this.get = RangedGet.builder(http, new Failures(shown), URI.create(containerUrl))
                .signer(key == null ? Signer.NONE : this::signSharedKey)
                .header("x-ms-version", VERSION)
                .readTimeout(readTimeout)
                .timeoutSettings(null, Settings.READ_TIMEOUT)
                .rangeHeader("x-ms-range")
                .refusal((r, what) ->
                        errors.status(r.status(), r.header("x-ms-error-code").orElse(null), what, null))
                .build();
    }

    /**
     * @param http the source's client (closed with it)
     * @param readTimeout how long an answer may go without a byte
     */
    static RestObjectSource open(AzureLocation location, AzureAuth auth, JdkHttp http, Duration readTimeout) {
        RestObjectSource s = new RestObjectSource(location, auth, http, readTimeout);
        LOG.log(
                System.Logger.Level.INFO,
                "azure: {0}: using {1}; endpoint {2} ({3})",
                s.shown,
                auth.description(),
                auth.endpoint,
                auth.endpointDescription());
        return s;
    }

    @Override
    public String key() {
        return location.key();
    }

    @Override
    public void close() {
        http.close();
    }

    // ------------------------------------------------------------------ requests

    /** The URL of the container ({@code blob} null) or a blob, with {@code query} in order and the SAS token. */
    private URI url(String blob, TreeMap<String, String> query) {
        String url = blob == null ? containerUrl : containerUrl + "/" + encode(blob);
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : query.entrySet()) {
            q.append(q.length() == 0 ? "" : "&").append(e.getKey()).append('=').append(encodeQuery(e.getValue()));
        }
        if (auth.kind == AzureAuth.Kind.SAS) {
            q.append(q.length() == 0 ? "" : "&").append(auth.secret);
        }
        return URI.create(q.length() == 0 ? url : url + "?" + q);
    }

    /** Shared Key: {@code x-ms-date} and the signature of the documented string-to-sign. */
    private void signSharedKey(Signer.Request r) {
        r.set("x-ms-date", now());
        StringBuilder sts = new StringBuilder(r.method())
                .append("\n\n\n\n\n\n\n\n")
                .append(r.header("If-Match").orElse(""))
                .append("\n\n\n\n");
        r.headers().forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (name.startsWith("x-ms-")) {
                sts.append(name).append(':').append(v).append('\n');
            }
        });
        sts.append('/').append(auth.account).append(r.uri().getRawPath());
        TreeMap<String, String> query = new TreeMap<>();
        String raw = r.uri().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                query.put(
                        pair.substring(0, eq < 0 ? pair.length() : eq).toLowerCase(Locale.ROOT),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        query.forEach((k, v) -> sts.append('\n').append(k).append(':').append(v));
        r.set("Authorization", "SharedKey " + auth.account + ":" + sign(sts.toString()));
    }

    private static String quoted(String etag) {
        return etag == null || etag.isEmpty() || etag.startsWith("\"") ? etag : "\"" + etag + "\"";
    }

    // ------------------------------------------------------------------ list, stat, read

    @Override
    public ListPage list(String prefix, String pageToken) throws StorageException {
        String what = "listing '" + prefix + "'";
        TreeMap<String, String> query = new TreeMap<>();
        query.put("comp", "list");
        if (pageToken != null) {
            query.put("marker", pageToken);
        }
        query.put("maxresults", String.valueOf(pageSize));
        if (!prefix.isEmpty()) {
            query.put("prefix", prefix);
        }
        query.put("restype", "container");
        Response r = get.send("GET", url(null, query), Map.of());
        if (r.status() != 200) {
            throw get.refused(r, what);
        }
        return parsePage(r.bytes(what), what);
    }

    /** One List Blobs page: its blobs and the next marker. */
    private ListPage parsePage(byte[] page, String what) throws StorageException {
        try {
            XMLInputFactory f = XMLInputFactory.newFactory();
            f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
            f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
            XMLStreamReader x = f.createXMLStreamReader(new java.io.ByteArrayInputStream(page));
            List<RemoteObject> objects = new ArrayList<>();
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
                } else if (ev == XMLStreamConstants.END_ELEMENT
                        && x.getLocalName().equals("Blob")) {
                    inBlob = false;
                    if (name != null) {
                        String key = encoded ? AzureLocation.decode(name) : name;
                        objects.add(new RemoteObject(key, size, quoted(etag), md5Of(md5)));
                    }
                }
            }
            return new ListPage(objects, next.isEmpty() ? null : next);
        } catch (XMLStreamException | IllegalArgumentException e) {
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
        URI url = url(blob, new TreeMap<>());
        Response r = get.send("HEAD", url, Map.of());
        r.discard();
        String code = r.header("x-ms-error-code").orElse("");
        if (r.status() == 404 && !code.equals("ContainerNotFound")) {
            return Optional.empty();
        }
        if (r.status() != 200) {
            throw get.refused(r, what);
        }
        long size = r.headers().firstValueAsLong("Content-Length").orElse(0);
        return Optional.of(new RemoteObject(
                blob,
                size,
                quoted(r.header("ETag").orElse(null)),
                md5Of(r.header("Content-MD5").orElse(null))));
    }

    /** Whether this path serves {@code auth}: every credential that needs no token. */
    static boolean serves(AzureAuth auth) {
        return auth.kind == AzureAuth.Kind.ACCOUNT_KEY
                || auth.kind == AzureAuth.Kind.SAS
                || auth.kind == AzureAuth.Kind.ANONYMOUS;
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        String what = "reading '" + object.key() + "' at " + offset + "+" + length;
        return get.read(
                url(object.key(), new TreeMap<>()),
                new RangedGet.Part(offset, length, object.size(), object.version(), null, true),
                what);
    }

    /** The current second in RFC 1123, formatted once a second rather than once a request. */
    private String now() {
        long second = System.currentTimeMillis() / 1000;
        Date d = date;
        if (d == null || d.second() != second) {
            date = d = new Date(
                    second,
                    RFC1123.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(second), ZoneOffset.UTC)));
        }
        return d.text();
    }

    private record Date(long second, String text) {}

    private String sign(String toSign) {
        return Base64.getEncoder().encodeToString(hmac.get().doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
    }

    /** An HMAC-SHA256 keyed with the account key, one per thread: a lookup and a key setup less per request. */
    private Mac newHmac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
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
            if (c >= 'a' && c <= 'z'
                    || c >= 'A' && c <= 'Z'
                    || c >= '0' && c <= '9'
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == '~'
                    || c == '/') {
                sb.append((char) c);
            } else {
                sb.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "RestObjectSource[" + shown + ", " + auth.description() + "]";
    }
}
