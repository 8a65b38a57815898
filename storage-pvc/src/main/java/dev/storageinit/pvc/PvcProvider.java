package dev.storageinit.pvc;

import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.support.Settings;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Kubernetes volumes and local files: {@code pvc://<claim>/<path>}, {@code file:///<path>} and plain local paths
 * ({@code /mnt/pvc/model}, as Seldon passes volume sources).
 *
 * <p>{@code pvc://<claim>/<path>} reads {@code <root>/<claim>/<path>}, the root being {@code STORAGE_PVC_MOUNT_ROOT}
 * or {@code /mnt/pvc}. When {@code <root>/<claim>} does not exist but {@code <root>} does, the claim is taken to be
 * mounted at the root itself (KServe mounts one claim at {@code /mnt/pvc}) and {@code <root>/<path>} is read.
 */
public final class PvcProvider implements StorageProvider {
    /** Setting naming the directory claims are mounted under. */
    public static final String MOUNT_ROOT = "STORAGE_PVC_MOUNT_ROOT";
    /** Default mount root, as the Python initializers use it. */
    public static final String DEFAULT_MOUNT_ROOT = "/mnt/pvc";

    private final FileSystem fileSystem;

    /** Reads from the default file system. */
    public PvcProvider() {
        this(FileSystems.getDefault());
    }

    /** Reads from {@code fileSystem} (tests use jimfs). */
    public PvcProvider(FileSystem fileSystem) {
        this.fileSystem = fileSystem;
    }

    @Override
    public String name() {
        return "pvc";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("pvc", "file");
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        for (String segment : uri.path().split("/")) {
            if (segment.equals("..")) {
                throw new InvalidUriException(uri.redacted(), "'..' is not allowed in a volume path");
            }
        }
        if (uri.scheme().equals("file")) {
            Path root = fileSystem.getRootDirectories().iterator().next();
            return new LocalTreeSource(uri.redacted(), root, uri.path());
        }
        Settings settings = Settings.of(context.settings(), uri.redacted());
        String mountFrom = settings.describe(MOUNT_ROOT);
        Path mountRoot = fileSystem.getPath(settings.string(MOUNT_ROOT).orElse(DEFAULT_MOUNT_ROOT));
        Path claimRoot = mountRoot.resolve(claim(uri));
        if (!Files.isDirectory(claimRoot)) {
            if (!Files.isDirectory(mountRoot)) {
                throw new NotFoundException(
                        uri.redacted(),
                        "volume '" + uri.authority() + "' is not mounted: neither "
                                + claimRoot + " nor " + mountRoot + " is a directory (mount root from " + mountFrom
                                + ", default " + DEFAULT_MOUNT_ROOT + ")");
            }
            claimRoot = mountRoot;
        }
        return new LocalTreeSource(uri.redacted(), claimRoot, uri.path());
    }

    /**
     * The claim as one plain directory name below the mount root. Like the rest of a URI it is taken as written,
     * percent-escapes included ({@code pvc://%2e%2e} names a directory called {@code %2e%2e}).
     */
    private Path claim(ModelUri uri) throws InvalidUriException {
        String claim = uri.authority();
        try {
            Path name = fileSystem.getPath(claim);
            if (!claim.equals(".") && !claim.equals("..") && name.getRoot() == null && name.getNameCount() == 1) {
                return name;
            }
        } catch (InvalidPathException e) {
            // no file name on this file system: refused like '..'
        }
        throw new InvalidUriException(
                uri.redacted(), "'" + claim + "' is not a volume claim name; expected " + "pvc://<claim>/<path>");
    }
}
