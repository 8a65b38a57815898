package dev.storageinit.internal;

import dev.storageinit.DownloadResult;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.TransferListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** A download's counters and listener calls; a listener that throws aborts the download (before it finished). */
final class Progress {
    private final String shown;
    private final ModelUri source;
    private final TransferListener listener;
    private final Consumer<StorageException> abort;

    private final AtomicLong filesTransferred = new AtomicLong();
    private final AtomicLong bytesTransferred = new AtomicLong();
    private final AtomicLong filesSkipped = new AtomicLong();
    private final AtomicLong bytesSkipped = new AtomicLong();
    private final AtomicLong filesFiltered = new AtomicLong();

    Progress(String shown, ModelUri source, TransferListener listener, Consumer<StorageException> abort) {
        this.shown = shown;
        this.source = source;
        this.listener = listener;
        this.abort = abort;
    }

    /** The listing ended: {@code files} of {@code bytes} are to be present. */
    void listed(long files, long bytes) {
        notifyListener(() -> listener.listed(source, files, bytes));
    }

    /** An object the allow/ignore patterns left out. */
    void filtered() {
        filesFiltered.incrementAndGet();
    }

    /** A file the previous run published intact. */
    void skipped(String relative, long size) {
        filesSkipped.incrementAndGet();
        bytesSkipped.addAndGet(size);
        notifyListener(() -> listener.fileDone(source, relative, size, true));
    }

    /** In a dry run, a file a download would fetch. */
    void toFetch(String relative, long size) {
        filesTransferred.incrementAndGet();
        bytesTransferred.addAndGet(size);
        notifyListener(() -> listener.fileDone(source, relative, size, false));
    }

    /** Bytes written to a staging file. */
    void bytes(long count) {
        bytesTransferred.addAndGet(count);
        notifyListener(() -> listener.bytes(count));
    }

    /** A staging file's bytes thrown away to fetch the file again. */
    void discarded(long count) {
        bytesTransferred.addAndGet(-count);
    }

    /** A file moved into place. */
    void published(String relative, long size) {
        filesTransferred.incrementAndGet();
        notifyListener(() -> listener.fileDone(source, relative, size, false));
    }

    /** The result of the completed download, told to the listener (whose failure changes nothing now). */
    DownloadResult finished(Path destination, Duration elapsed) {
        DownloadResult result = new DownloadResult(
                shown,
                destination,
                filesTransferred.get(),
                bytesTransferred.get(),
                filesSkipped.get(),
                bytesSkipped.get(),
                filesFiltered.get(),
                elapsed);
        try {
            listener.finished(result);
        } catch (RuntimeException e) {
            // the download is complete and published; a listener failing now changes nothing
        }
        return result;
    }

    private void notifyListener(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            abort.accept(new TransferException(shown, "aborted by listener: " + e, false, e));
        }
    }
}
