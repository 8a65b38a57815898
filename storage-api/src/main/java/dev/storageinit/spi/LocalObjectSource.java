package dev.storageinit.spi;

import dev.storageinit.StorageException;
import java.nio.file.Path;

/**
 * Mix-in for sources whose objects are already files on a local file system (volumes, local paths). The engine
 * uses it to hard-link or symlink files instead of copying them when the request asks for a link mode.
 */
public interface LocalObjectSource extends ObjectSource {

    /** The file that holds {@code object}. */
    Path localFile(RemoteObject object);

    /**
     * Checks that the file of {@code object} is still the version that was listed. The engine copies local files
     * itself (by the kernel, not through {@link #read}) and calls this before and after each copied range, so that a
     * file rewritten during the download fails as {@code read} would, never publishing a mix of two versions.
     *
     * @throws dev.storageinit.IntegrityException when the file changed since it was listed
     */
    void checkUnchanged(RemoteObject object) throws StorageException;
}
