package dev.storageinit.hf;

import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.http.JdkHttp;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Settings;
import java.util.Set;

/**
 * {@code hf://<owner>/<model>[:<revision>]}: a model repository of the Hugging Face Hub (or a mirror, a self-hosted
 * Hub), downloaded whole at one commit with repo-relative paths, as KServe's initializer does with
 * {@code snapshot_download(local_dir=...)} but without its {@code .cache/huggingface} metadata. Settings:
 * {@code HF_ENDPOINT}, {@code HF_TOKEN} (then {@code HUGGING_FACE_HUB_TOKEN}, then the token file),
 * {@code HF_HUB_DOWNLOAD_TIMEOUT}, the cluster CA bundle ({@code CA_BUNDLE_CONFIGMAP_NAME}); see {@link HubSettings}.
 */
public final class HfProvider implements StorageProvider {
    private static final System.Logger LOG = Redactor.logger(HfProvider.class.getName());

    /** The provider; cheap, creates no client. */
    public HfProvider() {}

    @Override
    public String name() {
        return "hf";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("hf");
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        HfRepo repo = HfRepo.parse(uri);
        Settings settings = Settings.of(context.settings(), uri.redacted());
        HubSettings hub = HubSettings.read(settings);
        for (String name : HubSettings.IGNORED) {
            if (settings.has(name)) {
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "hf: {0}: {1} has no effect here",
                        uri.redacted(),
                        settings.describe(name));
            }
        }
        return new HfObjectSource(
                repo, hub, uri.redacted(), JdkHttp.open(settings, context, HfObjectSource.CONNECT_TIMEOUT));
    }
}
