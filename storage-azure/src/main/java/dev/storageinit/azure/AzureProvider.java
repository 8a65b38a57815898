package dev.storageinit.azure;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.TransferLimits;
import dev.storageinit.spi.http.JdkHttp;
import dev.storageinit.spi.support.RcloneRemote;
import dev.storageinit.spi.support.Settings;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Azure Blob Storage: {@code https://<account>.blob.core.windows.net/<container>/<path>},
 * {@code https://<account>.z<NN>.blob.storage.azure.net/<container>/<path>} (a SAS token in the query is accepted),
 * and rclone remotes {@code <remote>://<container>/<path>} with {@code RCLONE_CONFIG_<REMOTE>_TYPE=azureblob}.
 *
 * <p>Every credential goes through one data path, {@link AzureObjectSource}; matching a URI loads no Azure SDK class,
 * and only a token credential loads azure-identity. See the module README for the credential order and the
 * variables.
 */
public final class AzureProvider implements StorageProvider {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    /** Public no-arg constructor for {@link java.util.ServiceLoader}. */
    public AzureProvider() {}

    @Override
    public String name() {
        return "azure";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("https");
    }

    /** The rclone remote type this provider serves. */
    static final Set<String> RCLONE_TYPES = Set.of("azureblob");

    @Override
    public Match match(ModelUri uri, CredentialSource settings) {
        return uri.scheme().equals("https") && AzureLocation.isAzureHost(uri.authority()) ? Match.EXACT : Match.NONE;
    }

    @Override
    public Set<String> rcloneTypes() {
        return RCLONE_TYPES;
    }

    /** The rclone remote's name (the scheme) when {@code uri}'s scheme names an azureblob remote. */
    static Optional<String> rcloneRemote(ModelUri uri, CredentialSource settings) throws ConfigurationException {
        return RcloneRemote.ofType(uri, Settings.of(settings, uri.redacted()), RCLONE_TYPES)
                .map(RcloneRemote::name);
    }

    /**
     * KServe's {@code AZURE_MAX_FILE_CONCURRENCY} (blobs at once) and {@code AZURE_MAX_CHUNK_CONCURRENCY} (ranges of
     * one blob at once).
     */
    @Override
    public TransferLimits limits(ModelUri uri, CredentialSource settings) throws StorageException {
        return TransferLimits.fromSettings(
                Settings.of(settings, uri.redacted()), "AZURE_MAX_FILE_CONCURRENCY", "AZURE_MAX_CHUNK_CONCURRENCY");
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        AzureLocation location =
                AzureLocation.of(uri, rcloneRemote(uri, context.settings()).orElse(null));
        AzureAccess access = AzureAuthResolver.resolve(location, context.settings());
        Settings settings = Settings.of(context.settings(), uri.redacted());
        Duration readTimeout = settings.readTimeout(null, AzureObjectSource.READ_TIMEOUT);
        return AzureObjectSource.open(location, access, JdkHttp.open(settings, context, CONNECT_TIMEOUT), readTimeout);
    }
}
