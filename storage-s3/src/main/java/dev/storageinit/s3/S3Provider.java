package dev.storageinit.s3;

import dev.storageinit.CredentialSource;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.TransferLimits;
import dev.storageinit.spi.support.RcloneRemote;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Settings;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Amazon S3 and S3-compatible stores (MinIO, Ceph RGW, s3proxy, ...): {@code s3://bucket/path}, and
 * {@code <remote>://bucket/path} for any rclone remote declared with {@code RCLONE_CONFIG_<REMOTE>_TYPE=s3}.
 * Settings come from the {@link CredentialSource} only (KServe's {@code AWS_*}/{@code S3_*} variables and
 * Seldon's {@code RCLONE_CONFIG_*}); see the module README for their precedence.
 */
public final class S3Provider implements StorageProvider {
    private static final System.Logger LOG = Redactor.logger("dev.storageinit.s3");
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");
    /** The rclone remote type this provider serves. */
    static final Set<String> RCLONE_TYPES = Set.of("s3");

    /** For {@link java.util.ServiceLoader}. */
    public S3Provider() {}

    @Override
    public String name() {
        return "s3";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("s3");
    }

    @Override
    public Set<String> rcloneTypes() {
        return RCLONE_TYPES;
    }

    /** {@code S3_MAX_FILE_CONCURRENCY} (KServe's): at most that many objects at once, each still read in ranges. */
    @Override
    public TransferLimits limits(ModelUri uri, CredentialSource settings) throws StorageException {
        return TransferLimits.fromSettings(Settings.of(settings, uri.redacted()), "S3_MAX_FILE_CONCURRENCY", null);
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        String shown = uri.redacted();
        if (!BUCKET.matcher(uri.authority()).matches()) {
            throw new InvalidUriException(
                    shown,
                    "'" + uri.authority() + "' is not a bucket name; expected "
                            + uri.scheme()
                            + "://<bucket>/<path> (the endpoint comes from AWS_ENDPOINT_URL, S3_ENDPOINT or "
                            + RcloneRemote.prefixOf(uri.scheme()) + "ENDPOINT, not from the URI)");
        }
        S3Settings settings = S3Settings.from(uri, context.settings());
        LOG.log(System.Logger.Level.INFO, () -> shown + ": " + settings.describe());
        S3Clients.Built client = S3Clients.build(settings, shown, context.concurrency());
        return new S3ObjectSource(client, settings, shown);
    }
}
