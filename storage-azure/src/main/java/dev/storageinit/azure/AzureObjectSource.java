package dev.storageinit.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.core.util.HttpClientOptions;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.models.BlobDownloadAsyncResponse;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobItemProperties;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DownloadRetryOptions;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Redactor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Azure container, read with azure-storage-blob (token credentials, or {@code AZURE_STORAGE_DATA_PATH=sdk}; see
 * {@link RestObjectSource} for the default path): the sync client lists and stats, the async client streams
 * ranged downloads (its body is consumed as an {@link InputStream} without buffering a whole range), both on the
 * default netty HTTP client with a connection pool of at least the engine's concurrency.
 */
final class AzureObjectSource implements ObjectSource {
    private static final System.Logger LOG = Redactor.logger(AzureObjectSource.class.getName());
    private static final int PAGE_SIZE = 5000;

    /** One HTTP client per pool size and read timeout, shared by every source: connections are reused across downloads. */
    private static final Map<List<Object>, HttpClient> HTTP_CLIENTS = new ConcurrentHashMap<>();

    private final AzureLocation location;
    private final AzureAuth auth;
    private final BlobContainerClient container;
    private final BlobContainerAsyncClient asyncContainer;
    private final String shown;
    private final AzureErrors errors;

    private AzureObjectSource(
            AzureLocation location,
            AzureAuth auth,
            BlobContainerClient container,
            BlobContainerAsyncClient asyncContainer) {
        this.location = location;
        this.auth = auth;
        this.container = container;
        this.asyncContainer = asyncContainer;
        this.shown = location.shown();
        this.errors = new AzureErrors(location, auth);
    }

    /** @param readTimeout how long an answer may go without a byte (headers, or the next bytes of a body) */
    static AzureObjectSource open(AzureLocation location, AzureAuth auth, int concurrency, Duration readTimeout)
            throws StorageException {
        String shown = location.shown();
        BlobContainerClientBuilder builder = new BlobContainerClientBuilder()
                .endpoint(auth.endpoint)
                .containerName(location.container())
                .httpClient(httpClient(concurrency, readTimeout))
                // one try: the engine retries every failed call (page, stat, range), a range from where it stopped;
                // the bearer-token policy refreshes an expired token within the call, not through retries
                .retryOptions(
                        new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 1, (Integer) null, 500L, 8_000L, null));
        try {
            switch (auth.kind) {
                case ANONYMOUS -> builder.setAnonymousAccess();
                case ACCOUNT_KEY -> builder.credential(new StorageSharedKeyCredential(auth.account, auth.secret));
                case SAS -> builder.sasToken(auth.secret);
                default -> {
                    if (auth.endpoint.startsWith("http://")) {
                        throw new ConfigurationException(
                                shown,
                                "Azure identity tokens need an https endpoint, and " + auth.endpointDescription()
                                        + " gives " + auth.endpoint);
                    }
                    builder.credential(tokenCredential(auth));
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigurationException(shown, "cannot use " + auth.description() + ": " + e.getMessage(), e);
        }
        BlobContainerClient sync;
        BlobContainerAsyncClient async;
        try {
            sync = builder.buildClient();
            async = builder.buildAsyncClient();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigurationException(
                    shown,
                    "cannot build an Azure client for endpoint " + auth.endpoint + " (" + auth.endpointDescription()
                            + "): " + e.getMessage(),
                    e);
        }
        LOG.log(
                System.Logger.Level.INFO,
                "azure: {0}: using {1}; endpoint {2} ({3})",
                shown,
                auth.description(),
                auth.endpoint,
                auth.endpointDescription());
        return new AzureObjectSource(location, auth, sync, async);
    }

    private static TokenCredential tokenCredential(AzureAuth auth) {
        return switch (auth.kind) {
            case CLIENT_SECRET -> {
                ClientSecretCredentialBuilder b = new ClientSecretCredentialBuilder()
                        .tenantId(auth.tenantId)
                        .clientId(auth.clientId)
                        .clientSecret(auth.secret);
                if (auth.authorityHost != null) {
                    b.authorityHost(auth.authorityHost);
                }
                yield b.build();
            }
            case CLIENT_CERTIFICATE -> {
                ClientCertificateCredentialBuilder b = new ClientCertificateCredentialBuilder()
                        .tenantId(auth.tenantId)
                        .clientId(auth.clientId);
                String lower = auth.file.toLowerCase(java.util.Locale.ROOT);
                if (lower.endsWith(".pfx") || lower.endsWith(".p12")) {
                    b.pfxCertificate(auth.file);
                    if (auth.secret != null) {
                        b.clientCertificatePassword(auth.secret);
                    }
                } else {
                    b.pemCertificate(auth.file);
                }
                if (auth.authorityHost != null) {
                    b.authorityHost(auth.authorityHost);
                }
                yield b.build();
            }
            case WORKLOAD_IDENTITY -> {
                WorkloadIdentityCredentialBuilder b = new WorkloadIdentityCredentialBuilder()
                        .clientId(auth.clientId)
                        .tokenFilePath(auth.file);
                if (auth.tenantId != null) {
                    b.tenantId(auth.tenantId);
                }
                if (auth.authorityHost != null) {
                    b.authorityHost(auth.authorityHost);
                }
                yield b.build();
            }
            case MANAGED_IDENTITY -> {
                ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder();
                if (auth.clientId != null) {
                    b.clientId(auth.clientId);
                }
                yield b.build();
            }
            default -> throw new IllegalStateException("not a token credential: " + auth.kind);
        };
    }

    private static HttpClient httpClient(int concurrency, Duration readTimeout) {
        int size = Math.max(16, Integer.highestOneBit(Math.max(1, concurrency - 1)) << 1);
        return HTTP_CLIENTS.computeIfAbsent(
                List.of(size, readTimeout),
                k -> HttpClient.createDefault(new HttpClientOptions()
                        .setMaximumConnectionPoolSize(size)
                        .setConnectTimeout(Duration.ofSeconds(15))
                        .setResponseTimeout(readTimeout)
                        .setReadTimeout(readTimeout)
                        .setConnectionIdleTimeout(Duration.ofSeconds(50))));
    }

    // ------------------------------------------------------------------ ObjectSource

    @Override
    public String key() {
        return location.key();
    }

    @Override
    public ListPage list(String prefix, String pageToken) throws StorageException {
        ListBlobsOptions options = new ListBlobsOptions().setMaxResultsPerPage(PAGE_SIZE);
        if (!prefix.isEmpty()) {
            options.setPrefix(prefix);
        }
        try {
            PagedResponse<BlobItem> page = container
                    .listBlobs(options, null)
                    .iterableByPage(pageToken)
                    .iterator()
                    .next();
            List<RemoteObject> objects = new ArrayList<>();
            for (BlobItem item : page.getValue()) {
                if (Boolean.TRUE.equals(item.isPrefix()) || Boolean.TRUE.equals(item.isDeleted())) {
                    continue;
                }
                BlobItemProperties p = item.getProperties();
                Long size = p.getContentLength();
                objects.add(
                        new RemoteObject(item.getName(), size == null ? 0 : size, p.getETag(), md5(p.getContentMd5())));
            }
            String next = page.getContinuationToken();
            return new ListPage(objects, next == null || next.isEmpty() ? null : next);
        } catch (RuntimeException e) {
            throw map(e, "listing '" + prefix + "'");
        }
    }

    @Override
    public Optional<RemoteObject> stat(String key) throws StorageException {
        try {
            BlobProperties p = container
                    .getBlobClient(key)
                    .getPropertiesWithResponse(null, null, Context.NONE)
                    .getValue();
            return Optional.of(new RemoteObject(key, p.getBlobSize(), p.getETag(), md5(p.getContentMd5())));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404 && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode())) {
                return Optional.empty();
            }
            throw map(e, "reading the properties of '" + key + "'");
        } catch (RuntimeException e) {
            throw map(e, "reading the properties of '" + key + "'");
        }
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        BlobRequestConditions conditions =
                object.version() == null ? null : new BlobRequestConditions().setIfMatch(object.version());
        String what = "reading '" + object.key() + "' at " + offset + "+" + length;
        BlobDownloadAsyncResponse response;
        try {
            response = asyncContainer
                    .getBlobAsyncClient(object.key())
                    .downloadStreamWithResponse(
                            new BlobRange(offset, length),
                            new DownloadRetryOptions().setMaxRetryRequests(0),
                            conditions,
                            false)
                    .block();
        } catch (RuntimeException e) {
            throw map(e, what);
        }
        if (response == null) {
            throw TransferException.retryable(shown, what + ": no response", null);
        }
        boolean whole = response.getStatusCode() == 200; // the server ignored x-ms-range: the blob from byte 0
        InputStream stream = BinaryData.fromFlux(response.getValue(), whole ? object.size() : length, false)
                .block()
                .toStream();
        Body body = new Body(stream, response, what, length);
        if (whole && offset > 0) {
            try {
                body.skipToRange(offset);
            } catch (IOException e) {
                StorageException failed = errors.cause(what, e);
                try {
                    body.close();
                } catch (IOException closing) {
                    failed.addSuppressed(closing);
                }
                throw failed;
            }
        }
        return body;
    }

    @Override
    public void close() {
        // the HTTP client is shared (see HTTP_CLIENTS); clients hold nothing else
    }

    @Override
    public String toString() {
        return "AzureObjectSource[" + shown + ", " + auth.description() + "]";
    }

    // ------------------------------------------------------------------ helpers

    private static Checksum md5(byte[] md5) {
        return md5 == null || md5.length != 16
                ? null
                : Checksum.ofHex(Checksum.Algorithm.MD5, HexFormat.of().formatHex(md5));
    }

    /** Maps an SDK failure to the library's typed exceptions; never includes a secret. */
    StorageException map(Throwable thrown, String what) {
        Throwable e = reactor.core.Exceptions.unwrap(thrown);
        if (e instanceof StorageException se) {
            return se;
        }
        if (e instanceof BlobStorageException b) {
            return errors.status(
                    b.getStatusCode(),
                    b.getErrorCode() == null ? null : b.getErrorCode().toString(),
                    what,
                    e);
        }
        if (e instanceof ClientAuthenticationException) {
            return new AccessDeniedException(
                    shown,
                    "could not get a token using " + auth.description() + ": " + Failures.firstLine(e.getMessage()),
                    e);
        }
        if (e instanceof HttpResponseException h
                && h.getResponse() != null
                && h.getResponse().getStatusCode() > 0) {
            return errors.status(h.getResponse().getStatusCode(), null, what, e);
        }
        if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("HTTPS")) {
            return new ConfigurationException(shown, Failures.firstLine(e.getMessage()), e);
        }
        return errors.cause(what, e);
    }

    /**
     * The response body, ending after the range's {@code length} bytes (a server that ignored the range sends more);
     * SDK runtime exceptions become (typed) IOExceptions, close releases the connection.
     */
    private final class Body extends FilterInputStream {
        private final BlobDownloadAsyncResponse response;
        private final String what;
        private long left;

        Body(InputStream in, BlobDownloadAsyncResponse response, String what, long length) {
            super(in);
            this.response = response;
            this.what = what;
            this.left = length;
        }

        /** Skips the {@code offset} bytes before the range of a body that starts at the blob's first byte. */
        void skipToRange(long offset) throws IOException {
            try {
                in.skipNBytes(offset);
            } catch (RuntimeException e) {
                throw map(e, what);
            }
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            try {
                int b = super.read();
                left -= b < 0 ? 0 : 1;
                return b;
            } catch (RuntimeException e) {
                throw map(e, what);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            try {
                int n = super.read(b, off, (int) Math.min(len, left));
                left -= Math.max(n, 0);
                return n;
            } catch (RuntimeException e) {
                throw map(e, what);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                long skipped = super.skip(Math.min(n, left));
                left -= skipped;
                return skipped;
            } catch (RuntimeException e) {
                throw map(e, what);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } catch (RuntimeException | IOException e) {
                // closing early; nothing to report
            } finally {
                response.close();
            }
        }
    }
}
