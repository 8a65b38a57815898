package dev.storageinit.internal;

import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.RemoteObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Lists a download's source on the calling thread and hands on each file to fetch as it is listed. The key is a
 * folder when objects lie under it, else one object of that name; folder markers are skipped, a key outside the
 * folder is refused, the allow/ignore patterns apply, and a file the previous run published intact is kept.
 */
final class Lister {
    /** A listed file to fetch: its path under the destination, its file there and whether it is the only object. */
    record ListedFile(String relative, Path target, RemoteObject object, boolean single) {}

    private final DownloadJob job;
    private final PathFilter filter;
    private final PathGuard guard;
    private final Manifest previous;
    private final Consumer<ListedFile> files;
    private final String key;
    private final String prefix;
    private int pages;
    private final AtomicLong seenObjects = new AtomicLong();
    private final AtomicLong listedFiles = new AtomicLong();
    private final AtomicLong listedBytes = new AtomicLong();

    Lister(DownloadJob job, PathFilter filter, PathGuard guard, Manifest previous, Consumer<ListedFile> files) {
        this.job = job;
        this.filter = filter;
        this.guard = guard;
        this.previous = previous;
        this.files = files;
        this.key = job.source.key();
        this.prefix = key.isEmpty() || key.endsWith("/") ? key : key + "/";
    }

    /** Lists everything; a failure is the job's. */
    void run() {
        try {
            String token = null;
            do {
                String pageToken = token;
                ListPage page = job.retries.call(
                        "listing '" + prefix + "'" + (pages == 0 ? "" : " (page " + (pages + 1) + ")"),
                        () -> job.source.list(prefix, pageToken));
                pages++;
                for (RemoteObject object : page.objects()) {
                    if (job.aborted() || !accept(object, relativeOf(object.key()), false)) {
                        return; // the failure that stopped it is recorded already
                    }
                }
                token = page.nextToken();
            } while (token != null && !job.aborted());
            if (seenObjects.get() == 0 && !job.aborted()) {
                listSingleObject();
            }
            if (!job.aborted() && seenObjects.get() > 0 && listedFiles.get() == 0) {
                job.fail(new NotFoundException(
                        job.shown,
                        "no file matched the allow/ignore patterns (" + seenObjects.get() + " objects listed)"));
            }
            if (!job.aborted()) {
                job.progress.listed(listedFiles.get(), listedBytes.get());
            }
        } catch (StorageException e) {
            job.fail(e);
        } catch (RuntimeException e) {
            job.fail(new TransferException(job.shown, "listing failed: " + e, false, e));
        }
    }

    private void listSingleObject() throws StorageException {
        if (key.isEmpty() || key.endsWith("/")) {
            throw new NotFoundException(
                    job.shown,
                    key.isEmpty() ? "the container holds no objects" : "no object under folder '" + key + "'");
        }
        Optional<RemoteObject> single = job.retries.call("reading '" + key + "'", () -> job.source.stat(key));
        if (single.isEmpty()) {
            throw new NotFoundException(
                    job.shown, "no object under folder '" + prefix + "' and no object named '" + key + "'");
        }
        accept(single.get(), key.substring(key.lastIndexOf('/') + 1), true);
    }

    private String relativeOf(String objectKey) {
        return objectKey.startsWith(prefix) ? objectKey.substring(prefix.length()) : objectKey;
    }

    /** Takes one listed object; false when it failed the download (the listing then stops). */
    private boolean accept(RemoteObject object, String relative, boolean single) {
        if (object.key().endsWith("/") || relative.isEmpty()) {
            return true; // folder marker
        }
        if (!object.key().startsWith(prefix) && !object.key().equals(key)) {
            job.fail(new TransferException(
                    job.shown,
                    "the store listed key '" + object.key() + "' outside prefix '" + prefix + "'",
                    false,
                    null));
            return false;
        }
        seenObjects.incrementAndGet();
        if (!filter.keeps(relative)) {
            job.progress.filtered();
            return true;
        }
        Path target;
        try {
            target = guard.resolve(relative);
        } catch (StorageException e) {
            job.fail(e);
            return false;
        }
        listedFiles.incrementAndGet();
        listedBytes.addAndGet(object.size());
        if (isIntact(relative, object, target)) {
            job.progress.skipped(relative, object.size());
            return true;
        }
        files.accept(new ListedFile(relative, target, object, single));
        return true;
    }

    /** Whether the previous run published this very object at {@code target}, unchanged since; then it is kept. */
    private boolean isIntact(String relative, RemoteObject object, Path target) {
        Manifest.Entry e = previous.get(relative);
        if (e == null || e.size() != object.size() || !e.key().equals(object.key())) {
            return false;
        }
        boolean sameVersion = object.version() != null && object.version().equals(e.version());
        boolean sameChecksum =
                object.checksum() != null && object.checksum().toString().equals(e.checksum());
        if (!sameVersion && !sameChecksum) {
            return false;
        }
        try {
            if (!Files.isRegularFile(target)
                    || Files.size(target) != e.size()
                    || Files.getLastModifiedTime(target, LinkOption.NOFOLLOW_LINKS)
                                    .toMillis()
                            != e.localModifiedMillis()) {
                return false;
            }
        } catch (IOException ex) {
            return false;
        }
        job.record(relative, e);
        return true;
    }
}
