package dev.storageinit.cli;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DestinationException;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.InvalidUriException;
import dev.storageinit.NotFoundException;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.UnsafePathException;
import dev.storageinit.spi.support.Redactor;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;

/**
 * The init-container entry point: {@code java -jar storage-initializer.jar [options] SRC_URI DEST_DIR [SRC DEST ...]},
 * the same positional arguments as KServe's initializer. Exit 0 on success; otherwise one readable line per failed
 * source on stderr and the exit code of the first failure (see {@link #exitCode(StorageException)}).
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int NOT_FOUND = 3;
    static final int ACCESS_DENIED = 4;
    static final int INVALID = 5;
    static final int INTEGRITY = 6;
    static final int UNSAFE = 7;
    static final int DESTINATION = 8;

    private Main() {}

    /**
     * The JDK HttpClient (Azure and HTTP providers) reads sockets into 16 KiB buffers by default; 64 KiB cut its
     * system CPU by ~40 % for a 1 GiB blob from Azurite (wall 8.8-9.2 s to 6.8 s). Read once, when the client class
     * loads: set before any provider runs, unless given on the command line.
     */
    static final String HTTP_CLIENT_BUFFER = "jdk.httpclient.bufsize";

    public static void main(String[] args) {
        prepareSecurityProviders();
        if (System.getProperty(HTTP_CLIENT_BUFFER) == null) {
            System.setProperty(HTTP_CLIENT_BUFFER, Integer.toString(64 << 10));
        }
        PrintStream out = new PrintStream(
                new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false,
                StandardCharsets.UTF_8);
        int code =
                run(args, out, System.err, CredentialSource.environment(), System.console() != null, TERMINATION_LOG);
        out.flush();
        System.exit(code);
    }

    /**
     * Sets up the JDK's security providers on a second thread while the main thread reads the options, sets up
     * logging and finds the storage providers. Every download needs them (the digests that verify its files, an S3
     * signature's HMAC, TLS), and their set-up (the provider list, SUN, SunRsaSign, SunEC's curve table, SunJCE,
     * run by the interpreter this early) took about 20 ms of the main thread's start, inside the first S3 request's
     * signing. A thread that needs them sooner waits for the initialisation under way rather than repeating it.
     */
    private static void prepareSecurityProviders() {
        Thread t = new Thread(
                () -> {
                    try {
                        MessageDigest.getInstance("SHA-256");
                        Mac.getInstance("HmacSHA256");
                    } catch (GeneralSecurityException e) {
                        // not this thread's to report: the code that needs the algorithm does
                    }
                },
                "security-providers");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The JDK's HttpURLConnection (the S3 and GCS reads, and {@code RangedGet.readDirect} of the Azure and Hub
     * sources) keeps at most {@code http.maxConnections} idle connections per host, 5 unless set, read once when the
     * first one is pooled: with more requests in flight each extra one would be opened again (a TLS handshake
     * each). A JVM-wide setting, so the application makes it, not a provider: raised to the concurrency plus the
     * listing's connections, unless given on the command line.
     */
    static final String KEEP_ALIVE_CONNECTIONS = "http.maxConnections";

    private static void keepIdleConnections(int concurrency) {
        if (System.getProperty(KEEP_ALIVE_CONNECTIONS) == null) {
            System.setProperty(KEEP_ALIVE_CONNECTIONS, Integer.toString(Math.min(Math.max(concurrency + 4, 32), 256)));
        }
    }

    /** Where Kubernetes reads a container's termination message from, by default. */
    static final Path TERMINATION_LOG = Path.of("/dev/termination-log");

    /**
     * Runs the tool; returns the exit code. The error lines of a failed run also go to {@code terminationLog} when
     * that file exists (Kubernetes shows it in {@code kubectl describe pod}).
     */
    static int run(
            String[] args,
            PrintStream out,
            PrintStream err,
            CredentialSource settings,
            boolean terminal,
            Path terminationLog) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                out.println(Flags.USAGE_TEXT);
                return OK;
            }
            if (a.equals("--version")) {
                try (Storage storage = Storage.builder().build()) {
                    out.println("storage-initializer " + version() + " (Java " + Runtime.version() + ")");
                    out.println("providers: " + String.join(", ", storage.providers()));
                }
                return OK;
            }
        }
        CommandLine.Options options;
        CredentialSource effective;
        try {
            effective = StorageSpec.over(settings);
            options = CommandLine.parse(effective, args);
        } catch (ConfigurationException e) {
            return usageError(
                    new CommandLine.UsageException("configuration error: " + e.getMessage(), INVALID),
                    err,
                    terminationLog);
        } catch (CommandLine.UsageException e) {
            return usageError(e, err, terminationLog);
        }
        keepIdleConnections(options.concurrency());
        ConsoleLogging.configure(options.quiet(), options.verbose(), options.json());
        ConsoleListener listener = new ConsoleListener(
                out,
                err,
                options.quiet(),
                options.verbose(),
                options.json(),
                terminal && !options.json() ? err : null,
                terminal ? null : options.progressInterval(),
                options.dryRun());
        Errors errors = new Errors(listener, err, options.verbose());
        List<DownloadRequest> requests = new ArrayList<>();
        for (String[] pair : options.pairs()) {
            try {
                DownloadRequest.Builder request = DownloadRequest.builder(pair[0], Path.of(pair[1]))
                        .settings(effective)
                        .allow(options.allow())
                        .ignore(options.ignore())
                        .linkMode(options.link())
                        .extractArchives(options.extract());
                if (options.manifest() != null && CommandLine.isNone(options.manifest())) {
                    request.noManifest();
                } else if (options.manifest() != null) {
                    request.manifestFile(Path.of(options.manifest()));
                }
                requests.add(request.build());
            } catch (StorageException e) {
                errors.report(e);
            } catch (java.nio.file.InvalidPathException e) {
                errors.add("invalid destination", USAGE, "'" + pair[1] + "': " + e.getReason());
            }
        }
        String manifestSetting =
                effective.get("STORAGE_MANIFEST").map(String::trim).orElse("");
        if (errors.code == OK
                && options.manifest() == null
                && requests.size() > 1
                && !manifestSetting.isEmpty()
                && !CommandLine.isNone(manifestSetting)) {
            errors.add(
                    "configuration error",
                    INVALID,
                    "STORAGE_MANIFEST names one file, which cannot hold the " + "manifests of " + requests.size()
                            + " pairs; use none, or run one pair per command");
        }
        if (errors.code == OK) {
            try (Storage storage = Storage.builder()
                    .concurrency(options.concurrency())
                    .partSize(options.partSize())
                    .multipartThreshold(options.partSize() * 2)
                    .listener(listener)
                    .build()) {
                downloadAll(storage, requests, errors, options.dryRun());
            } finally {
                listener.close();
            }
        }
        listener.summary(errors.code);
        if (errors.code != OK) {
            terminationMessage(terminationLog, errors.lines);
        }
        return errors.code;
    }

    private static int usageError(CommandLine.UsageException e, PrintStream err, Path terminationLog) {
        String line = Redactor.scrub("storage-initializer: " + e.getMessage());
        err.println(line + (e.code == USAGE ? " (try --help)" : ""));
        terminationMessage(terminationLog, List.of(line));
        return e.code;
    }

    /** Writes the error lines, at most the 4 KiB Kubernetes keeps, when the file exists; a failure is not the run's. */
    private static void terminationMessage(Path file, List<String> lines) {
        if (file == null || !Files.isWritable(file)) {
            return;
        }
        byte[] text = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(file, Arrays.copyOf(text, Math.min(text.length, 4096)));
        } catch (java.io.IOException e) {
            // the message is on stderr all the same
        }
    }

    /** The run's failures: reported as they happen, the first one's exit code kept. */
    private static final class Errors {
        private final ConsoleListener listener;
        private final PrintStream err;
        private final boolean verbose;
        private final List<String> lines = new ArrayList<>();
        private int code = OK;

        Errors(ConsoleListener listener, PrintStream err, boolean verbose) {
            this.listener = listener;
            this.err = err;
            this.verbose = verbose;
        }

        synchronized void report(StorageException e) {
            add(kind(e), exitCode(e), e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
        }

        synchronized void add(String kind, int exitCode, String message) {
            listener.error(kind, exitCode, message);
            lines.add(Redactor.scrub("storage-initializer: " + kind + ": " + message));
            code = code == OK ? exitCode : code;
        }

        synchronized void interrupted() {
            add("download failed", FAILED, "interrupted");
        }
    }

    private static void downloadAll(Storage storage, List<DownloadRequest> requests, Errors errors, boolean dryRun) {
        if (requests.size() == 1) {
            try {
                if (dryRun) {
                    storage.dryRun(requests.get(0));
                } else {
                    storage.download(requests.get(0));
                }
            } catch (StorageException e) {
                errors.report(e);
            }
            return;
        }
        ExecutorService coordinators = Executors.newFixedThreadPool(requests.size(), r -> {
            Thread t = new Thread(r, "storage-download");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<DownloadResult>> futures = new ArrayList<>();
            for (DownloadRequest r : requests) {
                futures.add(coordinators.submit(() -> dryRun ? storage.dryRun(r) : storage.download(r)));
            }
            for (Future<DownloadResult> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    errors.report(
                            cause instanceof StorageException
                                    ? (StorageException) cause
                                    : new StorageException("", "unexpected error: " + cause, false, cause));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    errors.interrupted();
                    return;
                }
            }
        } finally {
            coordinators.shutdownNow();
        }
    }

    private static String kind(StorageException e) {
        if (e instanceof NotFoundException) {
            return "not found";
        } else if (e instanceof AccessDeniedException) {
            return "access denied";
        } else if (e instanceof InvalidUriException) {
            return "invalid URI";
        } else if (e instanceof ConfigurationException) {
            return "configuration error";
        } else if (e instanceof IntegrityException) {
            return "integrity error";
        } else if (e instanceof UnsafePathException) {
            return "unsafe path";
        } else if (e instanceof DestinationException) {
            return "destination error";
        }
        return "download failed";
    }

    /** The exit code for a failure type. */
    static int exitCode(StorageException e) {
        if (e instanceof NotFoundException) {
            return NOT_FOUND;
        } else if (e instanceof AccessDeniedException) {
            return ACCESS_DENIED;
        } else if (e instanceof InvalidUriException || e instanceof ConfigurationException) {
            return INVALID;
        } else if (e instanceof IntegrityException) {
            return INTEGRITY;
        } else if (e instanceof UnsafePathException) {
            return UNSAFE;
        } else if (e instanceof DestinationException) {
            return DESTINATION;
        }
        return FAILED;
    }

    private static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
