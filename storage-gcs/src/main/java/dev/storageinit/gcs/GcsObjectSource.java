package dev.storageinit.gcs;

import com.google.api.gax.paging.Page;
import com.google.auth.Retryable;
import com.google.cloud.BaseServiceException;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobField;
import com.google.cloud.storage.Storage.BlobGetOption;
import com.google.cloud.storage.Storage.BlobListOption;
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
 * One bucket: listing and metadata through google-cloud-storage's JSON-API client, media as direct ranged GETs of
 * the same API with the client's credentials (see {@link #read}).
 */
final class GcsObjectSource implements ObjectSource {
    /** GCS's largest page. */
    static final int PAGE_SIZE = 1000;

    private static final BlobField[] FIELDS = {
        BlobField.NAME, BlobField.SIZE, BlobField.GENERATION, BlobField.CRC32C, BlobField.MD5HASH
    };

    private final String shown;
    private final Failures failures;
    private final String bucket;
    private final String key;
    private final GcsSettings settings;
    private final GcsClients.Clients clients;
    private final Storage storage;
    private final Object refreshLock = new Object();

    GcsObjectSource(ModelUri uri, String bucket, String key, GcsSettings settings, GcsClients.Clients clients) {
        this.shown = uri.redacted();
        this.failures = new Failures(shown);
        this.bucket = bucket;
        this.key = key;
        this.settings = settings;
        this.clients = clients;
        this.storage = clients.storage;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public ListPage list(String prefix, String pageToken) throws StorageException {
        List<BlobListOption> options = new ArrayList<>();
        if (!prefix.isEmpty()) {
            options.add(BlobListOption.prefix(prefix));
        }
        if (pageToken != null) {
            options.add(BlobListOption.pageToken(pageToken));
        }
        options.add(BlobListOption.pageSize(PAGE_SIZE));
        options.add(BlobListOption.fields(FIELDS));
        try {
            Page<Blob> page = storage.list(bucket, options.toArray(new BlobListOption[0]));
            List<RemoteObject> objects = new ArrayList<>(PAGE_SIZE);
            for (Blob blob : page.getValues()) {
                objects.add(toRemote(blob));
            }
            String next = page.getNextPageToken();
            return new ListPage(objects, next == null || next.isEmpty() ? null : next);
        } catch (RuntimeException e) {
            throw translate(e, "listing gs://" + bucket + "/" + prefix);
        }
    }

    @Override
    public Optional<RemoteObject> stat(String objectKey) throws StorageException {
        if (objectKey.isEmpty()) {
            return Optional.empty();
        }
        try {
            Blob blob = storage.get(BlobId.of(bucket, objectKey), BlobGetOption.fields(FIELDS));
            return blob == null ? Optional.empty() : Optional.of(toRemote(blob));
        } catch (RuntimeException e) {
            throw translate(e, "reading the metadata of gs://" + bucket + "/" + objectKey);
        }
    }

    /**
     * The object with both checksums GCS keeps: CRC32C (every object, composite ones included) and MD5 (objects
     * uploaded in one piece). The engine verifies the CRC32C alone unless {@code STORAGE_VERIFY_MD5=always}.
     */
    private RemoteObject toRemote(Blob blob) {
        Long size = blob.getSize();
        Long generation = blob.getGeneration();
        List<Checksum> checksums = new ArrayList<>(2);
        if (blob.getCrc32c() != null) {
            checksums.add(Checksum.ofBase64(Checksum.Algorithm.CRC32C, blob.getCrc32c()));
        }
        if (blob.getMd5() != null) {
            checksums.add(Checksum.ofBase64(Checksum.Algorithm.MD5, blob.getMd5()));
        }
        return new RemoteObject(
                blob.getName(), size == null ? 0 : size, generation == null ? null : generation.toString(), checksums);
    }

    /**
     * A ranged media GET ({@code GET <endpoint>/storage/v1/b/<bucket>/o/<object>?alt=media&ifGenerationMatch=<g>},
     * {@code Range: bytes=a-b}), made with the JDK's HttpURLConnection and the client's credentials rather than
     * through the client's read channel: on a cold JVM the channel costs about four times the CPU per request
     * (retrier, invocation ids, tracing, URL templating), which dominates models made of many small files.
     * {@code Accept-Encoding: gzip} keeps gzip-stored objects as stored (no decompressive transcoding, ranges
     * honoured), as the client's raw-stream mode does.
     */
    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        String what = "reading gs://" + bucket + "/" + object.key();
        if (length <= 0) {
            return InputStream.nullInputStream();
        }
        StringBuilder url = new StringBuilder(settings.endpoint)
                .append("/storage/v1/b/")
                .append(segment(bucket))
                .append("/o/")
                .append(segment(object.key()))
                .append("?alt=media");
        if (object.version() != null) {
            if (!object.version().chars().allMatch(Character::isDigit)) {
                throw new IntegrityException(shown, what + ": generation '" + object.version() + "' is not a number");
            }
            url.append("&ifGenerationMatch=").append(object.version());
        }
        URI target = URI.create(url.toString());
        for (int attempt = 1; ; attempt++) {
            HttpURLConnection c = null;
            Map<String, List<String>> sent = Map.of();
            try {
                c = (HttpURLConnection) target.toURL().openConnection();
                if (c instanceof HttpsURLConnection && clients.sslSocketFactory != null) {
                    ((HttpsURLConnection) c).setSSLSocketFactory(clients.sslSocketFactory);
                }
                c.setConnectTimeout(GcsClients.CONNECT_TIMEOUT_MS);
                c.setReadTimeout(GcsClients.millis(settings.readTimeout));
                c.setInstanceFollowRedirects(false);
                c.setRequestProperty("User-Agent", USER_AGENT);
                c.setRequestProperty("Accept-Encoding", "gzip");
                c.setRequestProperty("Range", "bytes=" + offset + "-" + (offset + length - 1));
                if (clients.credentials != null) {
                    sent = clients.credentials.getRequestMetadata(target);
                    for (Map.Entry<String, List<String>> h : sent.entrySet()) {
                        for (String v : h.getValue()) {
                            c.addRequestProperty(h.getKey(), v);
                        }
                    }
                }
                int status = c.getResponseCode();
                if (status == 200 || status == 206) {
                    long before = RangeAnswer.bytesBefore(
                            failures,
                            what,
                            status,
                            c.getHeaderField("Content-Range"),
                            c.getContentLengthLong() < 0
                                    ? OptionalLong.empty()
                                    : OptionalLong.of(c.getContentLengthLong()),
                            offset,
                            object.size());
                    InputStream body = c.getInputStream();
                    body.skipNBytes(before);
                    return new LimitedBody(body, length, e -> translate(e, what), null);
                }
                String reason = errorMessage(c);
                c.disconnect();
                if (status == 401 && attempt == 1 && clients.credentials != null) {
                    refreshUnlessRenewed(sent, target); // an expired or revoked token: one more try with a fresh one
                    continue;
                }
                throw httpError(status, reason, what);
            } catch (StorageException e) {
                c.disconnect();
                throw e;
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
            if (sent.equals(clients.credentials.getRequestMetadata(target))) {
                clients.credentials.refresh();
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
        try {
            storage.close();
        } catch (Exception e) {
            // nothing useful to do
        }
    }

    /** Maps a client error to the library's typed errors: the auth library's and the client's, then {@link Failures}. */
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
        BaseServiceException service = Failures.find(error, BaseServiceException.class);
        if (service == null || service.getCode() == 0) {
            return failures.fromCause(what, error, null);
        }
        return failures.forStatus(
                service.getCode(),
                what,
                Failures.answer(service.getCode(), null, service.getMessage()),
                settings.credentialSource,
                error);
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
