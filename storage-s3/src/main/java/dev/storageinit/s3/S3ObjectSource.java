package dev.storageinit.s3;

import dev.storageinit.IntegrityException;
import dev.storageinit.StorageException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.LimitedBody;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.http.RangeAnswer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One bucket, read through the sync S3 client: ListObjectsV2 page by page, HeadObject, and ranged GETs pinned with
 * If-Match to the ETag the object was listed with, sent by {@link DirectGets} once the listing taught it the
 * bucket's address (through the S3 client's GetObject before that). Thread-safe.
 */
final class S3ObjectSource implements ObjectSource {

    private final S3Clients.Built client;
    private final S3Client s3;
    private final S3Settings settings;
    private final S3Errors errors;
    private final DirectGets direct;
    private final String shown;
    private final S3Checksums checksums;

    private volatile boolean probed;

    S3ObjectSource(S3Clients.Built client, S3Settings settings, String shown) {
        this.client = client;
        this.s3 = client.s3();
        this.settings = settings;
        this.errors = new S3Errors(shown, settings);
        this.direct = client.direct();
        this.shown = shown;
        this.checksums = new S3Checksums(shown);
    }

    @Override
    public String key() {
        return settings.key;
    }

    @Override
    public ListPage list(String prefix, String pageToken) throws StorageException {
        ListObjectsV2Request request = ListObjectsV2Request.builder()
                .bucket(settings.bucket)
                .prefix(prefix)
                .encodingType(EncodingType.URL)
                .continuationToken(pageToken)
                .build();
        try {
            ListObjectsV2Response page = s3.listObjectsV2(request);
            List<S3Object> contents = page.contents();
            if (!probed && !contents.isEmpty()) {
                probeEncryption(contents);
            }
            List<RemoteObject> objects = new ArrayList<>(contents.size());
            for (S3Object o : contents) {
                objects.add(toRemote(o));
            }
            return new ListPage(objects, Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null);
        } catch (SdkException e) {
            throw errors.map("listing prefix '" + prefix + "'", e);
        }
    }

    private RemoteObject toRemote(S3Object o) throws SdkException {
        String etag = o.eTag();
        long size = o.size() == null ? 0 : o.size();
        Checksum checksum = checksums.ofEtag(etag);
        boolean md5 = checksum != null && checksum.algorithm() == Checksum.Algorithm.MD5;
        boolean multipart = S3Checksums.isMultipartEtag(etag);
        boolean verifiableFull = o.checksumType() == ChecksumType.FULL_OBJECT
                && (o.checksumAlgorithm().contains(ChecksumAlgorithm.CRC32_C)
                        || o.checksumAlgorithm().contains(ChecksumAlgorithm.CRC32)
                        || o.checksumAlgorithm().contains(ChecksumAlgorithm.SHA256));
        if (!md5 && size > 0 && (multipart || verifiableFull)) {
            // no MD5 in the ETag: one HEAD for a full-object checksum (S3 gives new multipart objects a CRC64NVME), or
            // the MD5 rclone keeps in the metadata of its multipart uploads (a few large objects per model), before
            // the multipart ETag. Not for a CRC64NVME alone on a single-part object: S3 gives one to every new
            // object, and an SSE-KMS bucket of small files would cost a HEAD each.
            return new RemoteObject(o.key(), size, etag, checksums.of(o.key(), head(o.key(), true)));
        }
        return new RemoteObject(o.key(), size, etag, md5 ? checksum : null);
    }

    /**
     * One HEAD on the first single-part object: SSE-KMS and SSE-C objects have ETags that are not MD5s, and a
     * bucket usually encrypts all its objects alike.
     */
    private void probeEncryption(List<S3Object> contents) {
        probed = true;
        for (S3Object o : contents) {
            if (o.size() != null && o.size() > 0 && checksums.ofEtag(o.eTag()) != null) {
                try {
                    checksums.noteEncryption(head(o.key(), false));
                } catch (SdkException e) {
                    // no information: the reads will report any real problem
                }
                return;
            }
        }
    }

    private HeadObjectResponse head(String key, boolean withChecksums) throws SdkException {
        HeadObjectRequest.Builder b =
                HeadObjectRequest.builder().bucket(settings.bucket).key(key);
        if (withChecksums) {
            b.checksumMode(ChecksumMode.ENABLED);
        }
        try {
            return s3.headObject(b.build());
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public Optional<RemoteObject> stat(String key) throws StorageException {
        try {
            HeadObjectResponse h = head(key, true);
            if (h == null) {
                return Optional.empty();
            }
            long size = h.contentLength() == null ? 0 : h.contentLength();
            return Optional.of(new RemoteObject(key, size, h.eTag(), checksums.of(key, h)));
        } catch (SdkException e) {
            throw errors.map("reading the metadata of '" + key + "'", e);
        }
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        String what = "reading '" + object.key() + "' bytes " + offset + "-" + (offset + length - 1);
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        String pin = ifMatch(object.version());
        Opened r;
        try {
            r = direct.ready() ? directGet(object.key(), range, pin) : sdkGet(object.key(), range, pin);
        } catch (SdkException e) {
            if (e instanceof S3Exception
                    && ((S3Exception) e).statusCode() == 404
                    && ((S3Exception) e).awsErrorDetails() != null
                    && "NoSuchKey".equals(((S3Exception) e).awsErrorDetails().errorCode())) {
                throw new IntegrityException(
                        shown,
                        "object changed while downloading: '" + object.key() + "' was deleted after it was listed",
                        e);
            }
            throw errors.map(what, e);
        }
        String sse = r.serverSideEncryption();
        if (r.sseCustomerAlgorithm() != null || (sse != null && sse.startsWith("aws:kms"))) {
            checksums.etagsAreNotMd5(); // for objects listed from now on
        }
        try {
            long before = RangeAnswer.bytesBefore(
                    errors.failures(),
                    what,
                    r.status(),
                    r.contentRange(),
                    r.contentLength() == null ? OptionalLong.empty() : OptionalLong.of(r.contentLength()),
                    offset,
                    object.size());
            r.body().skipNBytes(before);
        } catch (IOException e) {
            r.body().abort();
            closeQuietly(r.body());
            throw errors.streamFailure(what, e);
        }
        AbortableInputStream body = r.body();
        return new LimitedBody(body, length, e -> bodyFailure(what, e), body::abort);
    }

    /** A failure while a body is read: the SDK's own mapped, any other a retryable transfer failure. */
    private StorageException bodyFailure(String what, Exception e) {
        if (e instanceof SdkException sdk) {
            return errors.map(what, sdk);
        }
        return errors.streamFailure(what, e instanceof IOException io ? io : new IOException(e.toString(), e));
    }

    /** A GET's body and the response headers {@link #read} looks at, whichever way it was sent. */
    private record Opened(
            int status,
            AbortableInputStream body,
            Long contentLength,
            String contentRange,
            String serverSideEncryption,
            String sseCustomerAlgorithm) {}

    private Opened sdkGet(String key, String range, String pin) throws SdkException {
        GetObjectRequest.Builder b =
                GetObjectRequest.builder().bucket(settings.bucket).key(key).range(range);
        if (pin != null) {
            b.ifMatch(pin);
        }
        ResponseInputStream<GetObjectResponse> in = s3.getObject(b.build());
        GetObjectResponse g = in.response();
        return new Opened(
                g.sdkHttpResponse().statusCode(),
                AbortableInputStream.create(in, in),
                g.contentLength(),
                g.contentRange(),
                g.serverSideEncryptionAsString(),
                g.sseCustomerAlgorithm());
    }

    private Opened directGet(String key, String range, String pin) throws SdkException {
        DirectGets.Response response;
        try {
            response = direct.get(key, range, pin);
        } catch (IOException | UncheckedIOException e) {
            throw SdkClientException.builder().message(e.toString()).cause(e).build();
        }
        SdkHttpResponse h = response.http();
        if (!h.isSuccessful()) {
            throw DirectGets.error(response);
        }
        Long length = h.firstMatchingHeader("Content-Length").map(Long::valueOf).orElse(null);
        return new Opened(
                h.statusCode(),
                response.body(),
                length,
                h.firstMatchingHeader("Content-Range").orElse(null),
                h.firstMatchingHeader("x-amz-server-side-encryption").orElse(null),
                h.firstMatchingHeader("x-amz-server-side-encryption-customer-algorithm")
                        .orElse(null));
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // an aborted stream may complain on close; nothing was lost
        }
    }

    @Override
    public void close() {
        client.close();
    }

    /**
     * The If-Match value for a listed ETag: quoted as HTTP wants it even when the store listed it bare; none for
     * a weak ETag, which never matches under If-Match's strong comparison.
     */
    static String ifMatch(String etag) {
        if (etag == null || etag.isBlank() || etag.trim().startsWith("W/")) {
            return null;
        }
        return "\"" + unquote(etag) + "\"";
    }

    static String unquote(String etag) {
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }
}
