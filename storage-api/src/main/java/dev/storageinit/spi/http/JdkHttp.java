package dev.storageinit.spi.http;

import dev.storageinit.ConfigurationException;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Settings;
import dev.storageinit.spi.support.TrustBundles;
import java.io.Closeable;
import java.lang.System.Logger.Level;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * The JDK {@link HttpClient} of one source, owned by the {@link dev.storageinit.spi.ObjectSource} that opened it and
 * closed with it: HTTP/1.1 (one connection per range, so parallel ranges are parallel TCP streams), a connect
 * timeout, the cluster CA bundle from {@link TrustBundles} besides the JDK's trust, and no automatic redirects
 * ({@link RangedGet} follows them itself, keeping credentials to their origin). Its threads come from an executor
 * this class owns, sized from the engine's concurrency ({@link SourceContext#concurrency()}); no JVM-wide property
 * is set, nothing is static. JDK 17's client has no {@code close()}: {@link #close} shuts the executor down and
 * drops the client, whose selector thread ends once the client is unreachable.
 */
public final class JdkHttp implements Closeable {
    private static final System.Logger LOG = Redactor.logger(JdkHttp.class.getName());
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final ThreadPoolExecutor executor;
    private final int concurrency;
    private final Duration connectTimeout;
    private final SSLContext tls;
    private volatile HttpClient client;

    private JdkHttp(
            ThreadPoolExecutor executor, HttpClient client, int concurrency, Duration connectTimeout, SSLContext tls) {
        this.executor = executor;
        this.client = client;
        this.concurrency = concurrency;
        this.connectTimeout = connectTimeout;
        this.tls = tls;
    }

    /**
     * A client for a source opened with {@code context}, trusting the cluster CA bundle when
     * {@value TrustBundles#CONFIGMAP_NAME} is set in {@code settings}.
     *
     * @throws ConfigurationException when the CA bundle is missing or unreadable
     */
    public static JdkHttp open(Settings settings, SourceContext context, Duration connectTimeout)
            throws ConfigurationException {
        return create(context.concurrency(), connectTimeout, clusterTrust(settings));
    }

    /**
     * @param concurrency requests the engine runs at once against the source
     * @param connectTimeout longest wait for a connection
     * @param tls the TLS context, or null for the JDK's defaults
     */
    public static JdkHttp create(int concurrency, Duration connectTimeout, SSLContext tls) {
        int threads = Math.max(2, Math.min(concurrency + 2, 256));
        int id = CLIENTS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "storage-http-" + id + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .executor(executor);
        if (tls != null) {
            b.sslContext(tls);
        }
        return new JdkHttp(executor, b.build(), concurrency, connectTimeout, tls);
    }

    /** The TLS context trusting the cluster CA bundle besides the JDK's authorities, or null when none is set. */
    public static SSLContext clusterTrust(Settings settings) throws ConfigurationException {
        Optional<Path> bundle = TrustBundles.clusterBundle(settings);
        if (bundle.isEmpty()) {
            return null;
        }
        SSLContext ctx = TrustBundles.trustingDefaultsAnd(
                settings.uri(), List.of(bundle.get()), TrustBundles.CONFIGMAP_NAME + " is set");
        LOG.log(
                Level.INFO,
                "{0}: trusting the certificates in {1} besides the default ones ({2} is set)",
                settings.uri(),
                bundle.get(),
                TrustBundles.CONFIGMAP_NAME);
        return ctx;
    }

    /** Requests the engine runs at once against the source. */
    int concurrency() {
        return concurrency;
    }

    /** The connect timeout, for the connections {@link RangedGet#readDirect} opens itself. */
    Duration connectTimeout() {
        return connectTimeout;
    }

    /** The TLS context trusting the cluster CA bundle, or null for the JDK's defaults. */
    SSLContext tls() {
        return tls;
    }

    /** The client; fails once closed. */
    public HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            throw new IllegalStateException("the HTTP client was closed");
        }
        return c;
    }

    /** Whether {@link #close} ran and the executor's threads are gone or going. */
    public boolean isClosed() {
        return client == null && executor.isShutdown();
    }

    /** Waits up to {@code timeout} for the executor's threads to end after {@link #close}; true when they did. */
    boolean awaitTermination(Duration timeout) throws InterruptedException {
        return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Drops the client and shuts its executor down; idempotent. */
    @Override
    public void close() {
        client = null;
        executor.shutdown();
    }
}
