package dev.storageinit.spi;

import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import java.util.Set;

/**
 * A storage backend, found with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/dev.storageinit.spi.StorageProvider}). A provider only knows how to list what lies
 * under a URI and read byte ranges of one object; the engine does everything else. Must have a public no-arg
 * constructor and be cheap to construct: SDK clients are made in {@link #open}, only for the URI at hand.
 */
public interface StorageProvider {

    /** How strongly a provider claims a URI; the strongest claim wins, a tie at the top is an error. */
    enum Match {
        /** Not this provider's URI. */
        NONE,
        /** This provider can serve the URI, but a more specific one should win (plain HTTP for any https URI). */
        GENERIC,
        /** This provider's URI: its scheme, its host, or an rclone remote of its type. */
        EXACT
    }

    /** Short name used in messages and logs, e.g. {@code s3}. */
    String name();

    /** The schemes this provider serves, for dispatch and for the "unknown scheme" message. */
    Set<String> schemes();

    /**
     * How strongly this provider claims {@code uri}. The default is {@link Match#EXACT} for one of
     * {@link #schemes()}; override to claim by host. Claims by rclone remote are the registry's, from
     * {@link #rcloneTypes()}: do not read {@code RCLONE_CONFIG_*} here.
     */
    default Match match(ModelUri uri, CredentialSource settings) {
        return schemes().contains(uri.scheme()) ? Match.EXACT : Match.NONE;
    }

    /**
     * The rclone remote types this provider serves ({@code s3}, {@code azureblob}); the default is none. A URI whose
     * scheme names an rclone remote ({@code my-s3://bucket/path} with {@code RCLONE_CONFIG_MY_S3_TYPE=s3}) goes to
     * the provider listing the remote's type, and to no provider when none lists it.
     */
    default Set<String> rcloneTypes() {
        return Set.of();
    }

    /**
     * Opens a source for {@code uri}: validates its form, builds the client from {@code context}'s settings, and
     * binds to the container (bucket) the URI names. Should not list yet.
     *
     * @throws dev.storageinit.InvalidUriException naming the expected form when the URI does not fit
     * @throws dev.storageinit.ConfigurationException when the settings are unusable
     */
    ObjectSource open(ModelUri uri, SourceContext context) throws StorageException;

    /**
     * Bounds {@code settings} put on a download of {@code uri} (files and byte ranges in flight, from the Python
     * initializers' concurrency variables); the default is {@link TransferLimits#NONE}. They can only lower the
     * engine's concurrency.
     *
     * @throws dev.storageinit.ConfigurationException when a bound is not a whole number of at least 1
     */
    default TransferLimits limits(ModelUri uri, CredentialSource settings) throws StorageException {
        return TransferLimits.NONE;
    }
}
