package dev.storageinit;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a finished download did.
 *
 * @param source the source URI, secrets redacted
 * @param destination the destination directory
 * @param filesTransferred files fetched in this run
 * @param bytesTransferred bytes fetched in this run
 * @param filesSkipped files already present and intact from an earlier run (per the manifest)
 * @param bytesSkipped their bytes
 * @param filesFiltered files left out by allow/ignore patterns
 * @param elapsed wall time of the whole download, listing included
 */
public record DownloadResult(
        String source,
        Path destination,
        long filesTransferred,
        long bytesTransferred,
        long filesSkipped,
        long bytesSkipped,
        long filesFiltered,
        Duration elapsed) {

    /** Files now in place: transferred plus skipped. */
    public long files() {
        return filesTransferred + filesSkipped;
    }

    /** Bytes now in place: transferred plus skipped. */
    public long bytes() {
        return bytesTransferred + bytesSkipped;
    }

    /** Transfer rate of this run in MB/s (10^6 bytes), 0 when nothing was transferred. */
    public double megabytesPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : bytesTransferred / 1e6 / seconds;
    }
}
