package dev.storageinit;

/**
 * Progress events of downloads. Called from the engine's worker threads concurrently: implementations must be
 * thread-safe and quick. An exception thrown by a listener aborts the download it concerns (a way to cancel).
 */
public interface TransferListener {

    /** A download begins. */
    default void started(ModelUri source, java.nio.file.Path destination) {}

    /** The listing finished: {@code files} objects of {@code bytes} bytes will be in place when done. */
    default void listed(ModelUri source, long files, long bytes) {}

    /** A file was fetched ({@code skipped == false}) or found intact from an earlier run ({@code skipped}). */
    default void fileDone(ModelUri source, String relativePath, long size, boolean skipped) {}

    /** {@code count} more bytes arrived (any file of any download). */
    default void bytes(long count) {}

    /** A download completed. */
    default void finished(DownloadResult result) {}

    /** A download failed; nothing that was not complete and verified was published. */
    default void failed(ModelUri source, StorageException error) {}

    /** A listener that ignores everything. */
    static TransferListener none() {
        return new TransferListener() {};
    }
}
