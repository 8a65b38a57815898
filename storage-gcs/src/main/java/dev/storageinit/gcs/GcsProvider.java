package dev.storageinit.gcs;

import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.support.Redactor;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Google Cloud Storage: {@code gs://<bucket>/<path>}, and rclone remotes of type {@code google cloud storage}
 * ({@code <remote>://<bucket>/<path>} with {@code RCLONE_CONFIG_<REMOTE>_TYPE=google cloud storage}, as Seldon
 * configures them). Settings and their precedence are described in {@link GcsSettings} and the module's README.
 *
 * <p>Construction and {@link #match} load no Google class; the client is created in {@link #open}.
 */
public final class GcsProvider implements StorageProvider {
    private static final System.Logger LOG = Redactor.logger("dev.storageinit.gcs");
    /** Bucket names as GCS allows them: 3-222 characters of lower-case letters, digits, '-', '_' and '.'. */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");

    private static final String FORM = "expected gs://<bucket>/<path> (or <remote>://<bucket>/<path> for an rclone "
            + "remote with RCLONE_CONFIG_<REMOTE>_TYPE=google cloud storage)";

    /** For ServiceLoader. */
    public GcsProvider() {}

    @Override
    public String name() {
        return "gcs";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("gs");
    }

    @Override
    public Set<String> rcloneTypes() {
        return GcsSettings.RCLONE_TYPES;
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        String bucket = uri.authority();
        if (!BUCKET.matcher(bucket).matches()) {
            throw new InvalidUriException(
                    uri.redacted(),
                    "'" + bucket + "' is not a GCS bucket name (3-222 " + "lower-case letters, digits, '-', '_', '.'); "
                            + FORM);
        }
        GcsSettings settings = GcsSettings.parse(uri, context.settings());
        LOG.log(
                System.Logger.Level.INFO,
                "gcs: {0}: credentials: {1}; endpoint {2} ({3})",
                uri.redacted(),
                settings.credentialSource,
                settings.endpoint,
                settings.endpointSource);
        return new GcsObjectSource(uri, bucket, uri.path(), settings, GcsClients.create(uri, settings));
    }
}
