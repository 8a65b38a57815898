package dev.storageinit.spi;

import java.nio.file.Path;

/**
 * Mix-in for sources whose objects are already files on a local file system (volumes, local paths). The engine
 * uses it to hard-link or symlink files instead of copying them when the request asks for a link mode.
 */
public interface LocalObjectSource extends ObjectSource {

    /** The file that holds {@code object}. */
    Path localFile(RemoteObject object);
}
