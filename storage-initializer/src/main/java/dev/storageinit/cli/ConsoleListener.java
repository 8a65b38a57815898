package dev.storageinit.cli;

import dev.storageinit.DownloadResult;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.TransferListener;
import dev.storageinit.spi.support.Json;
import dev.storageinit.spi.support.Redactor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the CLI prints: a line when a download starts and a summary when it ends; per file with --verbose; in logs
 * (stdout not a terminal) a progress line every interval, on a terminal a bar redrawn on stderr; errors on stderr;
 * in a dry run, each file as to fetch or intact.
 * As text, or with {@code json} one JSON object a line, ending with a summary of the run. Every line is scrubbed of
 * secrets.
 */
final class ConsoleListener implements TransferListener {
    private final PrintStream out;
    private final PrintStream err;
    private final boolean quiet;
    private final boolean perFile;
    private final boolean json;
    private final boolean dryRun;
    private final PrintStream bar;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong expectedBytes = new AtomicLong();
    private final AtomicLong expectedFiles = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong listed = new AtomicLong();
    private final AtomicLong filesTransferred = new AtomicLong();
    private final AtomicLong bytesTransferred = new AtomicLong();
    private final AtomicLong filesSkipped = new AtomicLong();
    private final AtomicLong downloadsDone = new AtomicLong();
    private final AtomicLong downloadsFailed = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService timer;

    /**
     * @param progressBar where a terminal's bar is drawn, or null
     * @param progressInterval how often a progress line is printed when there is no bar, or null for never
     * @param dryRun each file is listed as to fetch or intact, and the summary says what a download would do
     */
    ConsoleListener(
            PrintStream out,
            PrintStream err,
            boolean quiet,
            boolean perFile,
            boolean json,
            PrintStream progressBar,
            Duration progressInterval,
            boolean dryRun) {
        this.out = out;
        this.err = err;
        this.quiet = quiet;
        this.perFile = (perFile || dryRun) && !quiet;
        this.json = json;
        this.dryRun = dryRun;
        this.bar = quiet || dryRun ? null : progressBar;
        progressInterval = dryRun ? null : progressInterval;
        Runnable tick = bar != null ? this::drawBar : progressInterval != null && !quiet ? this::progressLine : null;
        if (tick != null) {
            long period = bar != null ? 200 : Math.max(1, progressInterval.toMillis());
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(tick, period, period, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    @Override
    public void started(ModelUri source, Path destination) {
        started.incrementAndGet();
        if (!quiet) {
            Map<String, Object> f = fields("start");
            f.put("source", source.redacted());
            f.put("destination", destination.toString());
            print(out, "INFO", f, "downloading " + source.redacted() + " -> " + destination);
        }
    }

    @Override
    public void listed(ModelUri source, long files, long bytes) {
        expectedBytes.addAndGet(bytes);
        expectedFiles.addAndGet(files);
        listed.incrementAndGet();
    }

    @Override
    public void fileDone(ModelUri source, String relativePath, long size, boolean skipped) {
        filesDone.incrementAndGet();
        if (perFile) {
            String done = dryRun ? "to fetch" : "fetched";
            Map<String, Object> f = fields(skipped ? "intact" : dryRun ? "toFetch" : "fetched");
            f.put("source", source.redacted());
            f.put("path", relativePath);
            f.put("bytes", size);
            print(
                    out,
                    "INFO",
                    f,
                    (skipped ? "  intact   " : "  " + done + " ") + relativePath + " (" + human(size) + ")");
        }
    }

    @Override
    public void bytes(long count) {
        bytes.addAndGet(count);
    }

    @Override
    public void finished(DownloadResult r) {
        downloadsDone.incrementAndGet();
        filesTransferred.addAndGet(r.filesTransferred());
        bytesTransferred.addAndGet(r.bytesTransferred());
        filesSkipped.addAndGet(r.filesSkipped());
        if (quiet) {
            return;
        }
        clearBar();
        Map<String, Object> f = fields("done");
        if (dryRun) {
            f.put("dryRun", true);
        }
        f.put("source", r.source());
        f.put("destination", r.destination().toString());
        f.put("files", r.filesTransferred());
        f.put("bytes", r.bytesTransferred());
        f.put("seconds", r.elapsed().toNanos() / 1e9);
        f.put("megabytesPerSecond", r.megabytesPerSecond());
        f.put("filesIntact", r.filesSkipped());
        f.put("filesFiltered", r.filesFiltered());
        String filtered = r.filesFiltered() > 0 ? ", " + r.filesFiltered() + " filtered out" : "";
        print(
                out,
                "INFO",
                f,
                dryRun
                        ? String.format(
                                Locale.ROOT,
                                "dry run %s -> %s: would fetch %d files, %s; %d already intact%s; " + "nothing written",
                                r.source(),
                                r.destination(),
                                r.filesTransferred(),
                                human(r.bytesTransferred()),
                                r.filesSkipped(),
                                filtered)
                        : String.format(
                                Locale.ROOT,
                                "done %s -> %s: %d files, %s in %.2f s (%.1f MB/s); %d already intact%s",
                                r.source(),
                                r.destination(),
                                r.filesTransferred(),
                                human(r.bytesTransferred()),
                                r.elapsed().toNanos() / 1e9,
                                r.megabytesPerSecond(),
                                r.filesSkipped(),
                                filtered));
    }

    @Override
    public void failed(ModelUri source, StorageException error) {
        downloadsFailed.incrementAndGet();
        clearBar();
        out.flush();
    }

    /** An error line on stderr: {@code storage-initializer: <kind>: <message>} as text. */
    void error(String kind, int exitCode, String message) {
        clearBar();
        Map<String, Object> f = fields("error");
        f.put("kind", kind);
        f.put("exit", exitCode);
        f.put("message", message);
        print(err, "ERROR", f, "storage-initializer: " + kind + ": " + message);
    }

    /** In JSON mode, the last line: the run's totals and its exit code. */
    void summary(int exitCode) {
        if (!json) {
            return;
        }
        Map<String, Object> f = fields("summary");
        f.put("exit", exitCode);
        f.put("downloads", downloadsDone.get());
        f.put("failed", downloadsFailed.get());
        f.put("files", filesTransferred.get());
        f.put("bytes", bytesTransferred.get());
        f.put("filesIntact", filesSkipped.get());
        f.put("seconds", (System.nanoTime() - startNanos) / 1e9);
        print(exitCode == Main.OK ? out : err, exitCode == Main.OK ? "INFO" : "ERROR", f, null);
    }

    void close() {
        if (timer != null) {
            timer.shutdownNow();
            clearBar();
        }
        out.flush();
    }

    private Map<String, Object> fields(String event) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("event", event);
        return f;
    }

    /** Prints {@code text}, or in JSON mode the fields with the time, level and {@code text} as the message. */
    private void print(PrintStream stream, String level, Map<String, Object> fields, String text) {
        String line;
        if (json) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("time", Instant.now().toString());
            record.put("level", level);
            fields.forEach((k, v) -> record.put(k, v instanceof Double && !Double.isFinite((Double) v) ? null : v));
            if (text != null && !record.containsKey("message")) {
                record.put("message", text.trim());
            }
            line = Json.write(record);
        } else {
            line = text;
        }
        synchronized (stream) {
            stream.println(Redactor.scrub(line));
            stream.flush();
        }
    }

    private void progressLine() {
        long done = bytes.get();
        boolean totalKnown = listed.get() >= started.get() && started.get() > 0;
        long total = Math.max(expectedBytes.get(), done);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = done / seconds;
        long filesLeft = Math.max(0, expectedFiles.get() - filesDone.get());
        Map<String, Object> f = fields("progress");
        f.put("bytes", done);
        StringBuilder text = new StringBuilder("progress: ").append(human(done));
        if (totalKnown) {
            double percent = total == 0 ? 100 : 100.0 * done / total;
            long eta = rate > 0 ? (long) Math.ceil((total - done) / rate) : -1;
            f.put("totalBytes", total);
            f.put("percent", Math.round(percent * 10) / 10.0);
            f.put("filesLeft", filesLeft);
            text.append(" / ").append(human(total)).append(String.format(Locale.ROOT, " (%.1f %%)", percent));
            text.append(String.format(Locale.ROOT, ", %.1f MB/s", rate / 1e6));
            if (eta >= 0) {
                f.put("etaSeconds", eta);
                text.append(", ETA ").append(eta).append(" s");
            }
            text.append(", ")
                    .append(filesLeft)
                    .append(filesLeft == 1 ? " file" : " files")
                    .append(" left");
        } else {
            text.append(" (listing)").append(String.format(Locale.ROOT, ", %.1f MB/s", rate / 1e6));
        }
        f.put("megabytesPerSecond", Math.round(rate / 1e5) / 10.0);
        print(out, "INFO", f, text.toString());
    }

    private void drawBar() {
        long done = bytes.get();
        long total = Math.max(expectedBytes.get(), done);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        int width = 30;
        int filled = total == 0 ? 0 : (int) (width * done / total);
        String line = String.format(
                Locale.ROOT,
                "\r[%s%s] %s / %s  %.1f MB/s ",
                "#".repeat(filled),
                " ".repeat(width - filled),
                human(done),
                total == 0 ? "?" : human(total),
                done / 1e6 / seconds);
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
