package dev.storageinit.http;

import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import java.util.Set;

/**
 * Plain {@code http://} and {@code https://} downloads of a single file, on the JDK {@link java.net.http.HttpClient}.
 * Claims every http(s) URI with {@link Match#GENERIC} standing, so a provider that knows the host (Azure Blob
 * Storage) wins. The file lands as {@code dir/<last path segment>} (query dropped); an archive is extracted by the
 * engine.
 *
 * <p>Settings (from the request's {@link CredentialSource}): {@code <hostname>-headers}, a JSON object of headers
 * sent to that host only (KServe's convention); {@code HTTP_CONNECT_TIMEOUT} (seconds, default 15);
 * {@code HTTP_READ_TIMEOUT}, else {@code STORAGE_READ_TIMEOUT} (seconds without a byte from the server, default 30);
 * {@code CA_BUNDLE_CONFIGMAP_NAME}
 * with {@code CA_BUNDLE_VOLUME_MOUNT_POINT} for an extra CA bundle.
 */
public final class HttpProvider implements StorageProvider {

    /** The provider; cheap, creates no client. */
    public HttpProvider() {}

    @Override
    public String name() {
        return "http";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("http", "https");
    }

    @Override
    public Match match(ModelUri uri, CredentialSource settings) {
        return schemes().contains(uri.scheme()) ? Match.GENERIC : Match.NONE;
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        return HttpObjectSource.open(uri, context);
    }
}
