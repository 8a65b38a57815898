package dev.storageinit.gcs;

import com.google.auth.Retryable;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.IntegrityException;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.LimitedBody;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.http.HttpText;
import dev.storageinit.spi.http.RangeAnswer;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;

/**
 * One bucket, through GCS's JSON API on the JDK's HttpURLConnection: listing ({@code objects.list}, a page at a
 * time), metadata ({@code objects.get}) and media (ranged {@code alt=media} GETs), each request with the
 * credentials' current token and, when it is refused with 401, once more with a new one.
 *
 * <p>Not google-cloud-storage's client: of the client, only listing and metadata were still used (its read
 * channel costs four times the CPU of a direct GET), and its classes (the client, gax, the API model, tracing:
 * 1,300 of the image's AOT cache) cost every start of the image 10 ms to load, whichever store it reads (start to
 * first byte of an S3 object, median of 25 alternating runs: 228 ms with them in the cache, 218 ms without).
 */
final class GcsObjectSource implements ObjectSource {
    /** GCS's largest page. */
    static final int PAGE_SIZE = 1000;

    /** The object fields a listing or a metadata request asks for. */
    private static final String OBJECT_FIELDS = "name,size,generation,crc32c,md5Hash";

    private final String shown;
    private final Failures failures;
    private final String bucket;
    private final String key;
    private final GcsSettings settings;
    private final GcsClients.Clients clients;
    private final String bucketUrl;
    private final Object refreshLock = new Object();

    GcsObjectSource(ModelUri uri, String bucket, String key, GcsSettings settings, GcsClients.Clients clients) {
        this.shown = uri.redacted();
        this.failures = new Failures(shown);
        this.bucket = bucket;
        this.key = key;
        this.settings = settings;
        this.clients = clients;
        this.bucketUrl = settings.endpoint + "/storage/v1/b/" + segment(bucket) + "/o";
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public ListPage list(String prefix, String pageToken) throws StorageException {
        String what = "listing gs://" + bucket + "/" + prefix;
        StringBuilder url = new StringBuilder(bucketUrl)
                .append("?maxResults=")
                .append(PAGE_SIZE)
                .append("&fields=")
                .append(segment("nextPageToken,items(" + OBJECT_FIELDS + ")"));
        if (!prefix.isEmpty()) {
            url.append("&prefix=").append(segment(prefix));
        }
        if (pageToken != null) {
            url.append("&pageToken=").append(segment(pageToken));
        }
        Map<?, ?> page = json(URI.create(url.toString()), what, false);
        List<RemoteObject> objects = new ArrayList<>(PAGE_SIZE);
        if (page.get("items") instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof Map<?, ?> object) {
                    objects.add(toRemote(object, what));
                }
            }
        }
        return new ListPage(objects, page.get("nextPageToken") instanceof String next && !next.isEmpty() ? next : null);
    }

    @Override
    public Optional<RemoteObject> stat(String objectKey) throws StorageException {
        if (objectKey.isEmpty()) {
            return Optional.empty();
        }
        String what = "reading the metadata of gs://" + bucket + "/" + objectKey;
        Map<?, ?> object = json(
                URI.create(bucketUrl + "/" + segment(objectKey) + "?fields=" + segment(OBJECT_FIELDS)), what, true);
        return object == null ? Optional.empty() : Optional.of(toRemote(object, what));
    }

    /**
     * The object with both checksums GCS keeps: CRC32C (every object, composite ones included) and MD5 (objects
     * uploaded in one piece). The engine verifies the CRC32C alone unless {@code STORAGE_VERIFY_MD5=always}. The
     * JSON API gives sizes and generations as strings.
     */
    private RemoteObject toRemote(Map<?, ?> object, String what) throws StorageException {
        if (!(object.get("name") instanceof String name)) {
            throw TransferException.retryable(shown, what + ": the answer lists an object without a name", null);
        }
        long size;
        try {
            size = object.get("size") == null ? 0 : Long.parseLong(String.valueOf(object.get("size")));
        } catch (NumberFormatException e) {
            throw TransferException.retryable(shown, what + ": object '" + name + "' has no valid size", e);
        }
        List<Checksum> checksums = new ArrayList<>(2);
        if (object.get("crc32c") instanceof String crc32c) {
            checksums.add(Checksum.ofBase64(Checksum.Algorithm.CRC32C, crc32c));
        }
        if (object.get("md5Hash") instanceof String md5) {
            checksums.add(Checksum.ofBase64(Checksum.Algorithm.MD5, md5));
        }
        Object generation = object.get("generation");
        return new RemoteObject(name, size, generation == null ? null : String.valueOf(generation), checksums);
    }

    /** A JSON answer's object; null for a 404 when {@code absentIsNull}. */
    private Map<?, ?> json(URI target, String what, boolean absentIsNull) throws StorageException {
        HttpURLConnection c = send(target, null, what);
        try {
            int status = c.getResponseCode();
            if (status == 404 && absentIsNull) {
                errorMessage(c);
                return null;
            }
            if (status != 200) {
                throw httpError(status, errorMessage(c), what);
            }
            String body;
            try (InputStream in = c.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Object parsed;
            try {
                parsed = Json.parse(body);
            } catch (IllegalArgumentException e) {
                throw TransferException.retryable(shown, what + ": the answer is not JSON (" + e.getMessage() + ")", e);
            }
            if (!(parsed instanceof Map<?, ?> map)) {
                throw TransferException.retryable(shown, what + ": the answer is not a JSON object", null);
            }
            return map;
        } catch (IOException | RuntimeException e) {
            c.disconnect();
            throw translate(e, what);
        }
    }

    /**
     * A ranged media GET ({@code GET <endpoint>/storage/v1/b/<bucket>/o/<object>?alt=media&ifGenerationMatch=<g>},
     * {@code Range: bytes=a-b}), pinned to the listed generation.
     */
    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        String what = "reading gs://" + bucket + "/" + object.key();
        if (length <= 0) {
            return InputStream.nullInputStream();
        }
        StringBuilder url = new StringBuilder(bucketUrl)
                .append('/')
                .append(segment(object.key()))
                .append("?alt=media");
        if (object.version() != null) {
            if (!object.version().chars().allMatch(Character::isDigit)) {
                throw new IntegrityException(shown, what + ": generation '" + object.version() + "' is not a number");
            }
            url.append("&ifGenerationMatch=").append(object.version());
        }
        HttpURLConnection c = send(URI.create(url.toString()), "bytes=" + offset + "-" + (offset + length - 1), what);
        try {
            int status = c.getResponseCode();
            if (status != 200 && status != 206) {
                throw httpError(status, errorMessage(c), what);
            }
            long before = RangeAnswer.bytesBefore(
                    failures,
                    what,
                    status,
                    c.getHeaderField("Content-Range"),
                    c.getContentLengthLong() < 0 ? OptionalLong.empty() : OptionalLong.of(c.getContentLengthLong()),
                    offset,
                    object.size());
            InputStream body = c.getInputStream();
            body.skipNBytes(before);
            return new LimitedBody(body, length, e -> translate(e, what), null);
        } catch (IOException | RuntimeException e) {
            c.disconnect();
            throw translate(e, what);
        }
    }

    /**
     * Sends {@code GET target} (with {@code range}, unless null) with the credentials' token, and once more with a
     * new token when the first is refused with 401 (expired or revoked); the caller reads the status and the body.
     * {@code Accept-Encoding: gzip} keeps gzip-stored objects as stored (no decompressive transcoding, ranges
     * honoured), as the client libraries' raw-stream mode does.
     */
    private HttpURLConnection send(URI target, String range, String what) throws StorageException {
        for (int attempt = 1; ; attempt++) {
            HttpURLConnection c = null;
            try {
                c = (HttpURLConnection) target.toURL().openConnection();
                if (c instanceof HttpsURLConnection https && clients.sslSocketFactory() != null) {
                    https.setSSLSocketFactory(clients.sslSocketFactory());
                }
                c.setConnectTimeout(GcsClients.CONNECT_TIMEOUT_MS);
                c.setReadTimeout(GcsClients.millis(settings.readTimeout));
                c.setInstanceFollowRedirects(false);
                c.setRequestProperty("User-Agent", USER_AGENT);
                c.setRequestProperty("Accept-Encoding", "gzip");
                if (range != null) {
                    c.setRequestProperty("Range", range);
                }
                Map<String, List<String>> sent = Map.of();
                if (clients.credentials() != null) {
                    sent = clients.credentials().getRequestMetadata(target);
                    for (Map.Entry<String, List<String>> h : sent.entrySet()) {
                        for (String v : h.getValue()) {
                            c.addRequestProperty(h.getKey(), v);
                        }
                    }
                }
                if (c.getResponseCode() == 401 && attempt == 1 && clients.credentials() != null) {
                    errorMessage(c); // read and closed: the connection can be kept
                    refreshUnlessRenewed(sent, target);
                    continue;
                }
                return c;
            } catch (IOException | RuntimeException e) {
                if (c != null) {
                    c.disconnect();
                }
                throw translate(e, what);
            }
        }
    }

    /**
     * Refreshes the token {@code sent} was signed with, unless another read already did: the parallel reads that
     * were refused the same revoked token ask for one new token, not one each.
     */
    private void refreshUnlessRenewed(Map<String, List<String>> sent, URI target) throws IOException {
        synchronized (refreshLock) {
            if (sent.equals(clients.credentials().getRequestMetadata(target))) {
                clients.credentials().refresh();
            }
        }
    }

    private static final String USER_AGENT = "storage-initializer-java gcs";

    /** One path segment as the JSON API wants it: an object name keeps its '/' as {@code %2F}. */
    private static String segment(String name) {
        return HttpText.encodePath(name).replace("/", "%2F");
    }

    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The {@code error.message} of a JSON error body, or the HTTP reason phrase. */
    private static String errorMessage(HttpURLConnection c) {
        try (InputStream err = c.getErrorStream()) {
            if (err != null) {
                String body = new String(err.readNBytes(8192), StandardCharsets.UTF_8);
                Matcher m = MESSAGE.matcher(body);
                if (m.find()) {
                    return Failures.firstLine(m.group(1).replace("\\\"", "\""));
                }
            }
            return c.getResponseMessage() == null ? "" : c.getResponseMessage();
        } catch (IOException e) {
            return "";
        }
    }

    private StorageException httpError(int code, String reason, String what) {
        if (code == 412) {
            return failures.changed(what, Failures.answer(code, "generation precondition failed", reason), null);
        }
        return failures.forStatus(code, what, Failures.answer(code, null, reason), settings.credentialSource, null);
    }

    @Override
    public void close() {
        // nothing held: HttpURLConnection pools its idle connections JVM-wide
    }

    /** Maps a failure to the library's typed errors: ours as they are, the auth library's, then {@link Failures}. */
    StorageException translate(Throwable error, String what) {
        StorageException typed = Failures.find(error, StorageException.class);
        if (typed != null) {
            return typed;
        }
        if (Failures.tlsFailure(error) != null) {
            return failures.fromCause(what, error, null);
        }
        Throwable auth = authFailure(error);
        if (auth != null) {
            if (((Retryable) auth).isRetryable()) {
                return TransferException.retryable(
                        shown,
                        what + ": could not get an access token (" + Failures.firstLine(auth.getMessage()) + ") using "
                                + settings.credentialSource,
                        error);
            }
            return new AccessDeniedException(
                    shown,
                    what + ": the token endpoint refused the credentials (" + Failures.firstLine(auth.getMessage())
                            + ") using " + settings.credentialSource,
                    error);
        }
        return failures.fromCause(what, error, null);
    }

    /** The auth library's error (token endpoint refused or unreachable), or null. */
    private static Throwable authFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof Retryable && t.getClass().getName().startsWith("com.google.auth.")) {
                return t;
            }
        }
        return null;
    }
}
