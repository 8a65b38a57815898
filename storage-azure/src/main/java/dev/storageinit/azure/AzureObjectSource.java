package dev.storageinit.azure;

import dev.storageinit.ConfigurationException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.http.HttpText;
import dev.storageinit.spi.http.JdkHttp;
import dev.storageinit.spi.http.RangedGet;
import dev.storageinit.spi.http.Response;
import dev.storageinit.spi.http.Signer;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Settings;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * One container read with the Blob REST API on the shared JDK-{@link java.net.http.HttpClient} path
 * ({@link RangedGet}): List Blobs (5,000 per page, StAX-parsed), Get Blob Properties (HEAD) and ranged Get Blob
 * ({@code x-ms-range}) pinned with {@code If-Match}. Every credential goes this one way: Shared Key
 * ({@link SharedKey}), a SAS appended to each URL, bearer tokens from Azure identity ({@link BearerToken}, whose
 * token requests use this source's client too), or none. No Azure SDK class is loaded unless a token credential is
 * used, and azure-storage-blob not at all: its start (~4,700 classes, ~2.8 s cold on 2 cores) and ~40 % more CPU per
 * GiB on netty/reactor are avoided. An answer that makes no progress for the read timeout ({@code
 * STORAGE_READ_TIMEOUT}, default {@link #READ_TIMEOUT}) fails (retryably) through the shared body stream.
 */
final class AzureObjectSource implements ObjectSource {
    /** The Blob service version sent; bearer tokens need 2017-11-09 or later. */
    static final String VERSION = "2024-08-04";

    /** The read timeout when {@code STORAGE_READ_TIMEOUT} is not set. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private static final System.Logger LOG = Redactor.logger(AzureObjectSource.class.getName());
    static int pageSize = 5000;

    private final AzureLocation location;
    private final AzureAccess access;
    private final String containerUrl;
    /** The SAS token appended to every URL, or null. */
    private final String sas;

    private final String shown;
    private final JdkHttp http;
    private final RangedGet get;

    private AzureObjectSource(
            AzureLocation location, AzureAccess access, JdkHttp http, Duration readTimeout, Signer signer) {
        this.location = location;
        this.access = access;
        this.containerUrl = access.endpoint() + "/" + HttpText.encodePath(location.container());
        this.sas = access.auth() instanceof AzureAuth.Sas s ? s.token() : null;
        this.shown = location.shown();
        this.http = http;
        AzureErrors errors = new AzureErrors(location, access);
        this.get = RangedGet.builder(http, new Failures(shown), URI.create(containerUrl))
                .signer(signer)
                .header("x-ms-version", VERSION)
                .readTimeout(readTimeout)
                .timeoutSettings(null, Settings.READ_TIMEOUT)
                .rangeHeader("x-ms-range")
                .refusal((r, what) ->
                        errors.status(r.status(), r.header("x-ms-error-code").orElse(null), what))
                .build();
    }

    /**
     * @param http the source's client, closed with it (and here when the source cannot be opened)
     * @param readTimeout how long an answer (a token endpoint's too) may go without a byte
     */
    static AzureObjectSource open(AzureLocation location, AzureAccess access, JdkHttp http, Duration readTimeout)
            throws ConfigurationException {
        AzureObjectSource s;
        try {
            s = new AzureObjectSource(location, access, http, readTimeout, signer(location, access, http, readTimeout));
        } catch (ConfigurationException | RuntimeException e) {
            http.close();
            throw e;
        }
        LOG.log(
                System.Logger.Level.INFO,
                "azure: {0}: using {1}; endpoint {2} ({3})",
                s.shown,
                access.auth().description(),
                access.endpoint(),
                access.endpointDescription());
        return s;
    }

    private static Signer signer(AzureLocation location, AzureAccess access, JdkHttp http, Duration readTimeout)
            throws ConfigurationException {
        if (access.auth() instanceof AzureAuth.AccountKey key) {
            return new SharedKey(key);
        }
        if (access.auth() instanceof AzureAuth.Token token) {
            return BearerToken.of(token, http, readTimeout, new Failures(location.shown()));
        }
        return Signer.NONE;
    }

    @Override
    public String key() {
        return location.key();
    }

    @Override
    public void close() {
        http.close();
    }

    /** The URL of the container ({@code blob} null) or a blob, with {@code query} in order and the SAS token. */
    private URI url(String blob, TreeMap<String, String> query) {
        String url = blob == null ? containerUrl : containerUrl + "/" + HttpText.encodePath(blob);
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : query.entrySet()) {
            q.append(q.length() == 0 ? "" : "&")
                    .append(e.getKey())
                    .append('=')
                    .append(HttpText.encodePath(e.getValue()).replace("/", "%2F"));
        }
        if (sas != null) {
            q.append(q.length() == 0 ? "" : "&").append(sas);
        }
        return URI.create(q.length() == 0 ? url : url + "?" + q);
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
                        String key = encoded ? HttpText.decodePath(name) : name;
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

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        String what = "reading '" + object.key() + "' at " + offset + "+" + length;
        return get.readDirect(
                        url(object.key(), new TreeMap<>()),
                        new RangedGet.Part(offset, length, object.size(), object.version(), null, true),
                        what)
                .body();
    }

    @Override
    public String toString() {
        return "AzureObjectSource[" + shown + ", " + access.auth().description() + "]";
    }
}
