package dev.storageinit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.ModelUri;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.TransferListener;
import dev.storageinit.spi.support.ScrubbingFormatter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The one check every provider runs for its secrets: a corpus of malformed secrets ({@link #corpus()}), and a
 * capture of everything a download lets out (the error's message, {@code toString} and stack trace with its whole
 * cause chain, JUL log records at every level, listener events) that must hold none of them in any form
 * ({@link #traces(String)}). Open one per download attempt, in try-with-resources: it raises the root logger to
 * {@link Level#ALL} while open.
 *
 * <p>Records of the library's own loggers ({@code dev.storageinit.*}) must be clean as they are. SDK and JDK loggers
 * are not the library's to change: their records must be clean once through the {@link ScrubbingFormatter} that
 * the CLI (and any embedder on JUL) puts on its handlers.
 */
public final class SecretLeaks implements AutoCloseable {
    /** A marker no real output contains: every corpus secret holds it, so a partial leak is found too. */
    public static final String MARKER = "Qz8LeakMarker";

    private final List<String> output = new ArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final Level rootLevel = root.getLevel();
    private final Handler handler = new Handler() {
        private final SimpleFormatter plain = new SimpleFormatter();
        private final ScrubbingFormatter scrubbing = new ScrubbingFormatter(plain);

        @Override
        public void publish(LogRecord r) {
            String name = String.valueOf(r.getLoggerName());
            add("log " + name + " " + r.getLevel() + ": "
                    + (name.startsWith("dev.storageinit") ? plain : scrubbing).format(r));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private SecretLeaks() {
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(Level.ALL);
    }

    /** Starts capturing log records of every logger at every level. */
    public static SecretLeaks capture() {
        return new SecretLeaks();
    }

    private void add(String line) {
        synchronized (output) {
            output.add(line);
        }
    }

    /** A listener that records every event as it would print. */
    public TransferListener listener() {
        return new TransferListener() {
            @Override
            public void started(ModelUri source, Path destination) {
                add("started " + source + " " + destination);
            }

            @Override
            public void fileDone(ModelUri source, String relativePath, long size, boolean skipped) {
                add("file " + source + " " + relativePath);
            }

            @Override
            public void finished(DownloadResult result) {
                add("finished " + result);
            }

            @Override
            public void failed(ModelUri source, StorageException error) {
                add("failed " + source + " " + render(error));
            }
        };
    }

    /**
     * Downloads {@code uri} with {@code settings} (one attempt per request, listener attached) and records the
     * error it ends with, if any; a download that succeeds is fine too (a stray character may be legal somewhere).
     *
     * @return the error, or null
     */
    public StorageException download(String uri, Path dir, Map<String, String> settings) {
        return download(uri, dir, CredentialSource.of(settings));
    }

    /** As {@link #download(String, Path, Map)}, with any credential source. */
    public StorageException download(String uri, Path dir, CredentialSource settings) {
        return download(Storage.builder(), uri, dir, settings);
    }

    /** As {@link #download(String, Path, CredentialSource)}, with a storage built from {@code builder}. */
    public StorageException download(Storage.Builder builder, String uri, Path dir, CredentialSource settings) {
        try (Storage storage =
                builder.concurrency(2).maxAttempts(1).listener(listener()).build()) {
            storage.download(
                    DownloadRequest.builder(uri, dir).settings(settings).build());
            return null;
        } catch (StorageException e) {
            add("thrown " + render(e));
            return e;
        }
    }

    /** Records text the code under test printed some other way (a CLI's stdout and stderr). */
    public void record(String text) {
        add(text);
    }

    /** Everything recorded so far. */
    public String recorded() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Asserts that nothing recorded holds any trace of {@code secrets}. */
    public void assertNoLeak(String... secrets) {
        String all = recorded();
        for (String secret : secrets) {
            for (String trace : traces(secret)) {
                int at = all.indexOf(trace);
                assertThat(at)
                        .as(
                                "a trace of a secret (%s) leaked:%n...%s...",
                                printable(trace),
                                at < 0
                                        ? ""
                                        : printable(all.substring(
                                                Math.max(0, at - 300),
                                                Math.min(all.length(), at + trace.length() + 100))))
                        .isNegative();
            }
        }
    }

    /** What a user sees of an error: toString and stack trace of it and of every cause and suppressed one. */
    public static String render(Throwable error) {
        StringWriter w = new StringWriter();
        try (PrintWriter p = new PrintWriter(w)) {
            p.println(error.getMessage());
            for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
                p.println(t);
                for (Throwable s : t.getSuppressed()) {
                    p.println(s);
                }
            }
            error.printStackTrace(p);
        }
        return w.toString();
    }

    /**
     * Malformed secrets: each holds {@link #MARKER} and a stray character a URL, a header or JSON does not allow as
     * it is (space, {@code |}, {@code "}, {@code \}, <code>{</code>, {@code %zz}, a line break, non-ASCII), or is
     * very long.
     */
    public static List<String> corpus() {
        String a = "Sig0" + MARKER + "a1";
        String b = "Tail" + MARKER + "b2";
        List<String> out = new ArrayList<>();
        for (String stray : List.of(" ", "|", "\"", "\\", "{", "%zz", "\n", "\u00e9\u2603", "+/=")) {
            out.add(a + stray + b);
        }
        out.add(a + "x".repeat(9000) + b);
        return out;
    }

    /**
     * The forms in which {@code secret} could leak: itself, percent- and form-encoded, JSON/Java-escaped, and its
     * distinctive pieces (the runs between stray characters that hold the marker or are at least 12 long).
     */
    public static Set<String> traces(String secret) {
        Set<String> out = new LinkedHashSet<>();
        out.add(secret);
        out.add(URLEncoder.encode(secret, StandardCharsets.UTF_8));
        out.add(URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
        out.add(secret.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"));
        for (String piece : secret.split("[^A-Za-z0-9+/=_.~-]+")) {
            if (piece.contains(MARKER) || piece.length() >= 12) {
                out.add(piece.length() > 40 ? piece.substring(0, 40) : piece);
            }
        }
        if (secret.contains(MARKER)) {
            out.add(MARKER);
        }
        return out;
    }

    private static String printable(String s) {
        return s.replace("\n", "\\n").replace("\r", "\\r");
    }

    /** Stops capturing and restores the root logger's level. */
    @Override
    public void close() {
        root.removeHandler(handler);
        root.setLevel(rootLevel);
    }
}
