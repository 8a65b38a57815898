package dev.storageinit;

import dev.storageinit.internal.EngineSettings;
import dev.storageinit.internal.ProviderRegistry;
import dev.storageinit.internal.TransferEngine;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.support.Redactor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Downloads models. The one-call form {@link #download(String, Path, CredentialSource)} suits a single download;
 * a server that downloads often builds one instance with {@link #builder()} and reuses it: every download of an
 * instance shares one scheduler, so {@code concurrency} bounds the requests and the memory of all of them.
 *
 * <pre>{@code
 * DownloadResult r = Storage.download("s3://models/llama", Path.of("/mnt/models"), CredentialSource.environment());
 *
 * try (Storage storage = Storage.builder().concurrency(16).listener(progress).build()) {
 *     storage.download(DownloadRequest.of("gs://bucket/model", dir));
 * }
 * }</pre>
 */
public final class Storage implements AutoCloseable {
    /**
     * The hidden directory a download keeps in its destination: the lock, the staging area of a running download,
     * and (unless moved or turned off with {@code STORAGE_MANIFEST} or the request) the manifest
     * {@code manifest.json}. Never a model file: model servers that list the destination's top-level files see a
     * directory only.
     */
    public static final String BOOKKEEPING_DIRECTORY = ".storage-initializer";

    private final ProviderRegistry registry;
    private final TransferEngine engine;

    private Storage(Builder b) {
        this.registry = b.providers != null ? ProviderRegistry.of(b.providers) : ProviderRegistry.load(b.classLoader);
        this.engine = new TransferEngine(b.settings(), b.listener);
    }

    /** Downloads {@code uri} into {@code dir} with default settings and the providers on the classpath. */
    public static DownloadResult download(String uri, Path dir, CredentialSource settings) throws StorageException {
        try (Storage storage = builder().build()) {
            return storage.download(
                    DownloadRequest.builder(uri, dir).settings(settings).build());
        }
    }

    /** Starts building a reusable instance. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Downloads one source into its destination: lists it, fetches what is missing or changed in parallel,
     * verifies sizes and checksums, and publishes each file only when complete. Blocks until done; interrupting the
     * calling thread aborts the download.
     *
     * <p>Every value the request's credential source hands out for a secret-like name, and the secret query
     * parameters of the URI, are registered with the library's scrubber first: no error, log record or listener
     * event of the download shows them, however malformed they are.
     *
     * @throws StorageException one of its typed subclasses; nothing incomplete is left looking complete
     */
    public DownloadResult download(DownloadRequest request) throws StorageException {
        Redactor.uri(request.source());
        DownloadRequest recorded = request.withSettings(Redactor.recording(request.settings()));
        try {
            return engine.download(recorded, registry.select(recorded.source(), recorded.settings()));
        } catch (RuntimeException e) {
            throw new TransferException(request.source().redacted(), "unexpected error: " + e, false, e);
        }
    }

    /**
     * What {@link #download} would do, writing nothing: lists the source with the request's settings, applies its
     * filters and path checks, and compares with what the destination's manifest records. The result counts the
     * files and bytes a download would fetch as transferred and those intact as skipped; the listener hears a
     * {@code fileDone} for each (skipped: intact; not skipped: to fetch), and no {@code bytes}.
     *
     * @throws StorageException as {@link #download} would for the listing (not found, access denied, unsafe keys)
     */
    public DownloadResult dryRun(DownloadRequest request) throws StorageException {
        Redactor.uri(request.source());
        DownloadRequest recorded = request.withSettings(Redactor.recording(request.settings()));
        try {
            return engine.dryRun(recorded, registry.select(recorded.source(), recorded.settings()));
        } catch (RuntimeException e) {
            throw new TransferException(request.source().redacted(), "unexpected error: " + e, false, e);
        }
    }

    /** The installed providers and their schemes, e.g. {@code ["pvc (file, pvc)", "s3 (s3)"]}. */
    public List<String> providers() {
        return registry.describe();
    }

    /** Stops the scheduler's threads. Downloads still running fail. */
    @Override
    public void close() {
        engine.close();
    }

    /** Builder for {@link Storage}. */
    public static final class Builder {
        private int concurrency = 16;
        private long partSize = 16L << 20;
        private long multipartThreshold = 32L << 20;
        private int bufferSize = 256 << 10;
        private int maxAttempts = 5;
        private Duration retryBackoff = Duration.ofMillis(200);
        private TransferListener listener = TransferListener.none();
        private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        private List<StorageProvider> providers;

        private Builder() {}

        /** How many requests run at once, over all downloads of this instance (default 16). */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1");
            }
            this.concurrency = concurrency;
            return this;
        }

        /** Size of the byte ranges large objects are split into (default 16 MiB, at least 64 KiB). */
        public Builder partSize(long bytes) {
            if (bytes < (64 << 10)) {
                throw new IllegalArgumentException("partSize must be at least 64 KiB");
            }
            this.partSize = bytes;
            return this;
        }

        /** Objects larger than this are fetched as parallel ranges (default 32 MiB). */
        public Builder multipartThreshold(long bytes) {
            this.multipartThreshold = Math.max(1, bytes);
            return this;
        }

        /** Bytes each worker reads at a time (default 256 KiB); heap use is about concurrency x 2 x this. */
        public Builder bufferSize(int bytes) {
            if (bytes < 4096) {
                throw new IllegalArgumentException("bufferSize must be at least 4 KiB");
            }
            this.bufferSize = bytes;
            return this;
        }

        /** Attempts per range or object for retryable failures (default 5), with exponential backoff. */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** First retry delay, doubled per attempt with jitter, capped at 10 s (default 200 ms). */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = Objects.requireNonNull(backoff);
            return this;
        }

        /** Receives progress events of every download of the instance. */
        public Builder listener(TransferListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /** Where {@link java.util.ServiceLoader} finds providers (default: the thread's context class loader). */
        public Builder classLoader(ClassLoader classLoader) {
            this.classLoader = Objects.requireNonNull(classLoader);
            return this;
        }

        /** Uses exactly these providers instead of discovering them. */
        public Builder providers(List<StorageProvider> providers) {
            this.providers = List.copyOf(providers);
            return this;
        }

        /** The instance; close it when done. */
        public Storage build() {
            return new Storage(this);
        }

        EngineSettings settings() {
            return new EngineSettings(
                    concurrency,
                    partSize,
                    Math.max(multipartThreshold, partSize),
                    bufferSize,
                    maxAttempts,
                    retryBackoff);
        }
    }
}
