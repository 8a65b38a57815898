package dev.storageinit.azure;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.TransferLimits;
import dev.storageinit.spi.support.Settings;
import dev.storageinit.spi.support.TrustBundles;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * Azure Blob Storage: {@code https://<account>.blob.core.windows.net/<container>/<path>},
 * {@code https://<account>.z<NN>.blob.storage.azure.net/<container>/<path>} (a SAS token in the query is accepted),
 * and rclone remotes {@code <remote>://<container>/<path>} with {@code RCLONE_CONFIG_<REMOTE>_TYPE=azureblob}.
 *
 * <p>This class touches no Azure SDK class: matching a URI costs nothing, the SDK is loaded in {@link #open}.
 * See the module README for the credential order and the variables.
 */
public final class AzureProvider implements StorageProvider {

    /**
     * Which client talks to the service: {@code jdk} (default: the Blob REST API on the JDK HttpClient, for account
     * key, SAS and anonymous access; token credentials always use the SDK) or {@code sdk} (azure-storage-blob on
     * its netty client for everything).
     */
    static final String DATA_PATH_VAR = "AZURE_STORAGE_DATA_PATH";

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

    @Override
    public Match match(ModelUri uri, CredentialSource settings) {
        if (uri.scheme().equals("https")) {
            return AzureLocation.isAzureHost(uri.authority()) ? Match.EXACT : Match.NONE;
        }
        return rcloneRemote(uri, settings).isPresent() ? Match.EXACT : Match.NONE;
    }

    /** The upper-case rclone remote name when {@code uri}'s scheme names an azureblob remote. */
    static Optional<String> rcloneRemote(ModelUri uri, CredentialSource settings) {
        String scheme = uri.scheme();
        if (scheme.equals("http") || scheme.equals("https") || scheme.equals("file")) {
            return Optional.empty();
        }
        String remote = scheme.toUpperCase(Locale.ROOT);
        Optional<String> type = settings.get("RCLONE_CONFIG_" + remote + "_TYPE");
        return type.isPresent() && type.get().trim().equalsIgnoreCase("azureblob") ? Optional.of(remote)
                : Optional.empty();
    }

    /**
     * KServe's {@code AZURE_MAX_FILE_CONCURRENCY} (blobs at once) and {@code AZURE_MAX_CHUNK_CONCURRENCY} (ranges of
     * one blob at once).
     */
    @Override
    public TransferLimits limits(ModelUri uri, CredentialSource settings) throws StorageException {
        return TransferLimits.fromSettings(Settings.of(settings, uri.redacted()), "AZURE_MAX_FILE_CONCURRENCY",
                "AZURE_MAX_CHUNK_CONCURRENCY");
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        AzureLocation location = AzureLocation.of(uri, rcloneRemote(uri, context.settings()).orElse(null));
        AzureAuth auth = AzureAuth.resolve(location, context.settings());
        String dataPath = context.settings().get(DATA_PATH_VAR).orElse("jdk").trim().toLowerCase(Locale.ROOT);
        if (!dataPath.equals("jdk") && !dataPath.equals("sdk")) {
            throw new ConfigurationException(uri.redacted(), DATA_PATH_VAR + " must be 'jdk' or 'sdk', not '"
                    + dataPath + "'");
        }
        if (dataPath.equals("jdk") && RestObjectSource.serves(auth)) {
            Optional<Path> clusterBundle = TrustBundles.clusterBundle(Settings.of(context.settings(), uri.redacted()));
            SSLContext tls = clusterBundle.isEmpty() ? null : TrustBundles.trustingDefaultsAnd(uri.redacted(),
                    List.of(clusterBundle.get()), TrustBundles.CONFIGMAP_NAME + " is set");
            return RestObjectSource.open(location, auth, tls);
        }
        return AzureObjectSource.open(location, auth, context.concurrency());
    }
}
