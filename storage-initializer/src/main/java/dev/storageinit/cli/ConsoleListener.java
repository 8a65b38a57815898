package dev.storageinit.cli;

import dev.storageinit.DownloadResult;
import dev.storageinit.ModelUri;
import dev.storageinit.TransferListener;
import dev.storageinit.spi.support.Redactor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the CLI prints: one line per file (in logs, or with --verbose), a summary per download, and on a terminal a
 * progress line redrawn on stderr. Sources and destinations print scrubbed of secrets.
 */
final class ConsoleListener implements TransferListener {
    private final PrintStream out;
    private final boolean quiet;
    private final boolean perFile;
    private final PrintStream bar;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong expected = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService redraw;

    ConsoleListener(PrintStream out, boolean quiet, boolean perFile, PrintStream progressBar) {
        this.out = out;
        this.quiet = quiet;
        this.perFile = perFile && !quiet;
        this.bar = progressBar;
        if (bar != null) {
            redraw = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress");
                t.setDaemon(true);
                return t;
            });
            redraw.scheduleAtFixedRate(this::drawBar, 200, 200, TimeUnit.MILLISECONDS);
        } else {
            redraw = null;
        }
    }

    @Override
    public void started(ModelUri source, Path destination) {
        if (!quiet) {
            synchronized (out) {
                out.println(Redactor.scrub("downloading " + source.redacted() + " -> " + destination));
                out.flush();
            }
        }
    }

    @Override
    public void listed(ModelUri source, long files, long bytes) {
        expected.addAndGet(bytes);
    }

    @Override
    public void fileDone(ModelUri source, String relativePath, long size, boolean skipped) {
        if (perFile) {
            synchronized (out) {
                out.println((skipped ? "  intact  " : "  fetched ") + relativePath + " (" + human(size) + ")");
            }
        }
    }

    @Override
    public void bytes(long count) {
        bytes.addAndGet(count);
    }

    @Override
    public void finished(DownloadResult r) {
        if (quiet) {
            return;
        }
        clearBar();
        synchronized (out) {
            out.printf(Locale.ROOT, "done %s -> %s: %d files, %s in %.2f s (%.1f MB/s); %d already intact%s%n",
                    Redactor.scrub(r.source()), Redactor.scrub(r.destination().toString()), r.filesTransferred(), human(r.bytesTransferred()),
                    r.elapsed().toNanos() / 1e9, r.megabytesPerSecond(), r.filesSkipped(),
                    r.filesFiltered() > 0 ? ", " + r.filesFiltered() + " filtered out" : "");
            out.flush();
        }
    }

    @Override
    public void failed(ModelUri source, dev.storageinit.StorageException error) {
        clearBar();
        out.flush();
    }

    void close() {
        if (redraw != null) {
            redraw.shutdownNow();
            clearBar();
        }
        out.flush();
    }

    private void drawBar() {
        long done = bytes.get();
        long total = Math.max(expected.get(), done);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        int width = 30;
        int filled = total == 0 ? 0 : (int) (width * done / total);
        String line = String.format(Locale.ROOT, "\r[%s%s] %s / %s  %.1f MB/s ", "#".repeat(filled),
                " ".repeat(width - filled), human(done), total == 0 ? "?" : human(total), done / 1e6 / seconds);
        synchronized (bar) {
            bar.print(line);
            bar.flush();
        }
    }

    private void clearBar() {
        if (bar != null) {
            synchronized (bar) {
                bar.print("\r" + " ".repeat(79) + "\r");
                bar.flush();
            }
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
