package dev.storageinit.spi;

import dev.storageinit.StorageException;
import java.io.Closeable;
import java.io.InputStream;
import java.util.Optional;

/**
 * One container (bucket, Azure container, claim, directory tree) opened for reading. Keys are the store's own
 * object names, '/'-separated, relative to the container. Methods may be called from many threads at once.
 *
 * <p>Errors are typed: {@link dev.storageinit.NotFoundException} when the container does not exist,
 * {@link dev.storageinit.AccessDeniedException} when the credentials are refused, and
 * {@link dev.storageinit.TransferException} with {@code isRetryable() == true} for throttling, 5xx answers and cut
 * connections. An {@link java.io.IOException} thrown while reading a returned stream counts as retryable.
 */
public interface ObjectSource extends Closeable {

    /**
     * The key the URI names inside the container: {@code "models/llama"} for {@code s3://bucket/models/llama};
     * empty for the whole container. The engine treats it as a folder ({@code key + "/"}) first and as a single
     * object when nothing lies under that folder.
     */
    String key();

    /**
     * One page of the objects whose key starts with {@code prefix} (at any depth), so that downloads start before
     * the listing ends. {@code prefix} is empty or ends with '/'. {@code pageToken} is null for the first page and
     * the previous page's {@link ListPage#nextToken()} after it. A failed page is retried by the engine with the
     * same token, so a source does not retry on its own. Folder markers (keys ending in '/') may be returned; the
     * engine skips them.
     */
    ListPage list(String prefix, String pageToken) throws StorageException;

    /** The object named exactly {@code key}, or empty when there is none; retried by the engine like a page. */
    Optional<RemoteObject> stat(String key) throws StorageException;

    /**
     * Reads {@code length} bytes of {@code object} from {@code offset}, pinned to {@link RemoteObject#version()}
     * when it has one, so that an object replaced meanwhile fails with an
     * {@link dev.storageinit.IntegrityException} instead of mixing two versions. The engine never asks for more than
     * {@code object.size() - offset} bytes, and reads the stream to its end or closes it early.
     */
    InputStream read(RemoteObject object, long offset, long length) throws StorageException;

    /**
     * Whether {@code object} can be read in byte ranges; the default is true. When false (a plain HTTP server
     * without {@code Range} support) the engine reads the object as one unit from offset 0 instead of splitting
     * it. A retry after a cut connection may still ask for {@code read(object, offset > 0, ...)}: such a source
     * serves it by reading from the start and skipping {@code offset} bytes.
     */
    default boolean supportsRanges(RemoteObject object) {
        return true;
    }

    /** Releases clients and connections; the default does nothing. */
    @Override
    default void close() {}
}
