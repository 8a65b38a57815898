package dev.storageinit.cli;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DestinationException;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.InvalidUriException;
import dev.storageinit.LinkMode;
import dev.storageinit.ModelUri;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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

    /** A command-line option, its environment twin and its line in --help. */
    record Flag(String name, String alias, String value, String env, String help) {
        String usage() {
            return name + (alias == null ? "" : ", " + alias) + (value == null ? "" : " " + value);
        }
    }

    /**
     * Every option. KServe replaces a container's args wholesale, so each one that shapes a download has an
     * environment twin; a flag wins over its variable.
     */
    static final List<Flag> FLAGS = List.of(
            new Flag(
                    "--concurrency",
                    null,
                    "N",
                    "STORAGE_CONCURRENCY",
                    "requests in flight over all downloads (default 16)"),
            new Flag(
                    "--part-size",
                    null,
                    "MIB",
                    "STORAGE_PART_SIZE_MIB",
                    "size of the byte ranges large objects are fetched in (default 16)"),
            new Flag(
                    "--allow",
                    null,
                    "GLOB",
                    "STORAGE_ALLOW_PATTERNS",
                    "only download relative paths matching GLOB (repeatable; fnmatch: * matches /)"),
            new Flag(
                    "--ignore",
                    null,
                    "GLOB",
                    "STORAGE_IGNORE_PATTERNS",
                    "skip relative paths matching GLOB (repeatable)"),
            new Flag(
                    "--link",
                    null,
                    "MODE",
                    "STORAGE_LINK_MODE",
                    "for volumes and local paths: copy (default), hardlink or symlink"),
            new Flag(
                    "--no-extract",
                    null,
                    null,
                    "STORAGE_EXTRACT=false",
                    "keep a single .zip/.tar[.gz|.bz2|.xz] object as it is (default: extract it)"),
            new Flag(
                    "--manifest",
                    null,
                    "FILE",
                    "STORAGE_MANIFEST",
                    "keep the manifest in FILE (one pair per command), not in DEST_DIR/.storage-initializer/; none: keep none"),
            new Flag(
                    "--dry-run",
                    null,
                    null,
                    "STORAGE_DRY_RUN=true",
                    "list what would be fetched and what is intact, checking credentials; write nothing"),
            new Flag(
                    "--log-format",
                    null,
                    "FORMAT",
                    "STORAGE_LOG_FORMAT",
                    "text (default) or json: one JSON object a line, the last a summary with the exit code"),
            new Flag(
                    "--progress-interval",
                    null,
                    "SECONDS",
                    "STORAGE_PROGRESS_INTERVAL",
                    "when stdout is no terminal, a progress line this often (default 5; 0: none)"),
            new Flag("--quiet", "-q", null, "STORAGE_LOG_LEVEL=quiet", "print errors only"),
            new Flag(
                    "--verbose",
                    "-v",
                    null,
                    "STORAGE_LOG_LEVEL=verbose",
                    "print every file and stack traces of errors"),
            new Flag("--version", null, null, null, "print the version and the installed providers"),
            new Flag("--help", "-h", null, null, "print this help"));

    private static final String USAGE_TEXT = usageText();

    private static String usageText() {
        List<String> lines = new ArrayList<>(
                List.of(
                        "Usage: storage-initializer [options] SRC_URI DEST_DIR [SRC_URI DEST_DIR ...]",
                        "",
                        "Downloads each SRC_URI into DEST_DIR, a non-empty path (pairs run concurrently, on one scheduler).",
                        "  SRC_URI  s3://bucket/path, gs://bucket/path, https://<account>.blob.core.windows.net/<container>/<path>,",
                        "           pvc://<claim>/<path>, file:///path, a local path, http(s)://host/file,",
                        "           hf://<owner>/<model>[:<revision>] (a Hugging Face Hub repository)",
                        "",
                        "Options (a value follows as --opt VALUE or --opt=VALUE; [the environment variable] used without it):"));
        for (Flag f : FLAGS) {
            lines.add(String.format(
                    Locale.ROOT, "  %-19s %s%s", f.usage(), f.help(), f.env() == null ? "" : " [" + f.env() + "]"));
        }
        lines.addAll(List.of(
                "",
                "Credentials and settings come from the environment (KServe's and Seldon's variables; see README).",
                "Exit codes: 0 ok, 1 transfer failed, 2 usage, 3 not found, 4 access denied, 5 invalid URI or",
                "settings, 6 integrity (size/checksum), 7 unsafe path refused, 8 destination unusable (disk full,",
                "read-only, or in use by another download)."));
        return String.join("\n", lines);
    }

    private Main() {}

    /**
     * The JDK HttpClient (Azure and HTTP providers) reads sockets into 16 KiB buffers by default; 64 KiB cut its
     * system CPU by ~40 % for a 1 GiB blob from Azurite (wall 8.8-9.2 s to 6.8 s). Read once, when the client class
     * loads: set before any provider runs, unless given on the command line.
     */
    static final String HTTP_CLIENT_BUFFER = "jdk.httpclient.bufsize";

    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %5$s%6$s%n");
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

    /** Parsed command line. */
    record Options(
            List<String[]> pairs,
            int concurrency,
            long partSize,
            List<String> allow,
            List<String> ignore,
            LinkMode link,
            boolean extract,
            String manifest,
            boolean quiet,
            boolean verbose,
            boolean json,
            Duration progressInterval,
            boolean dryRun) {}

    /** Thrown for a bad command line (exit 2) or a bad value of an option's environment twin (exit 5). */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        UsageException(String message) {
            this(message, USAGE);
        }

        UsageException(String message, int code) {
            super(message);
            this.code = code;
        }
    }

    /** Options followed by a value, as {@code --opt value} or {@code --opt=value}. */
    private static final Set<String> WITH_VALUE = Set.of(
            "--concurrency",
            "--part-size",
            "--allow",
            "--ignore",
            "--link",
            "--manifest",
            "--log-format",
            "--progress-interval");

    /**
     * Parses {@code args} over the defaults that {@code env} gives (the options' twins; patterns and the manifest
     * setting are read by the engine itself from the same source).
     */
    static Options parse(CredentialSource env, String... args) throws UsageException {
        List<String> positional = new ArrayList<>();
        List<String> allow = new ArrayList<>();
        List<String> ignore = new ArrayList<>();
        int concurrency = 16;
        long partSize = 16L << 20;
        LinkMode link = LinkMode.COPY;
        boolean extract = true;
        String manifest = null;
        boolean quiet = false;
        boolean verbose = false;
        boolean json = false;
        Duration progress = Duration.ofSeconds(5);
        boolean dryRun = false;
        try {
            Optional<String> dry = setting(env, "STORAGE_DRY_RUN");
            if (dry.isPresent()) {
                dryRun = bool("STORAGE_DRY_RUN", dry.get());
            }
            Optional<String> format = setting(env, "STORAGE_LOG_FORMAT");
            if (format.isPresent()) {
                json = logFormat("STORAGE_LOG_FORMAT", format.get());
            }
            Optional<String> interval = setting(env, "STORAGE_PROGRESS_INTERVAL");
            if (interval.isPresent()) {
                progress = seconds("STORAGE_PROGRESS_INTERVAL", interval.get());
            }
            Optional<String> v = setting(env, "STORAGE_CONCURRENCY");
            if (v.isPresent()) {
                concurrency = positiveInt("STORAGE_CONCURRENCY", v.get());
            }
            v = setting(env, "STORAGE_PART_SIZE_MIB");
            if (v.isPresent()) {
                partSize = (long) positiveInt("STORAGE_PART_SIZE_MIB", v.get()) << 20;
            }
            v = setting(env, "STORAGE_LINK_MODE");
            if (v.isPresent()) {
                link = linkMode("STORAGE_LINK_MODE", v.get());
            }
            v = setting(env, "STORAGE_EXTRACT");
            if (v.isPresent()) {
                extract = bool("STORAGE_EXTRACT", v.get());
            }
            v = setting(env, "STORAGE_LOG_LEVEL");
            if (v.isPresent()) {
                switch (v.get().toLowerCase(Locale.ROOT)) {
                    case "quiet":
                    case "error":
                        quiet = true;
                        break;
                    case "info":
                        break;
                    case "verbose":
                    case "debug":
                        verbose = true;
                        break;
                    default:
                        throw new UsageException(
                                "STORAGE_LOG_LEVEL takes quiet, info or verbose, not '" + v.get() + "'");
                }
            }
        } catch (UsageException e) {
            throw new UsageException("configuration error: " + e.getMessage(), INVALID);
        }
        boolean options = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!options || !a.startsWith("-") || a.equals("-")) {
                positional.add(a);
                continue;
            }
            int eq = a.startsWith("--") ? a.indexOf('=') : -1;
            String name = eq < 0 ? a : a.substring(0, eq);
            String inline = eq < 0 ? null : a.substring(eq + 1);
            String v = WITH_VALUE.contains(name) ? (inline != null ? inline : value(args, ++i, name)) : null;
            switch (name) {
                case "--":
                    noValue(name, inline);
                    options = false;
                    break;
                case "--quiet":
                case "-q":
                    noValue(name, inline);
                    quiet = true;
                    verbose = false;
                    break;
                case "--verbose":
                case "-v":
                    noValue(name, inline);
                    verbose = true;
                    quiet = false;
                    break;
                case "--help":
                case "-h":
                case "--version":
                    noValue(name, inline); // handled by run() before parsing
                    break;
                case "--concurrency":
                    concurrency = positiveInt(name, v);
                    break;
                case "--part-size":
                    partSize = (long) positiveInt(name, v) << 20;
                    break;
                case "--allow":
                    allow.add(v);
                    break;
                case "--ignore":
                    ignore.add(v);
                    break;
                case "--link":
                    link = linkMode(name, v);
                    break;
                case "--no-extract":
                    noValue(name, inline);
                    extract = false;
                    break;
                case "--log-format":
                    json = logFormat(name, v);
                    break;
                case "--dry-run":
                    noValue(name, inline);
                    dryRun = true;
                    break;
                case "--progress-interval":
                    progress = seconds(name, v);
                    break;
                case "--manifest":
                    if (v.isBlank()) {
                        throw new UsageException("--manifest needs a file path or none");
                    }
                    manifest = v;
                    break;
                default:
                    throw new UsageException("unknown option " + name);
            }
        }
        if (positional.isEmpty()) {
            throw new UsageException("missing SRC_URI DEST_DIR");
        }
        if (positional.size() % 2 != 0) {
            throw new UsageException("arguments come in pairs SRC_URI DEST_DIR; '"
                    + ModelUri.redact(positional.get(positional.size() - 1)) + "' has no destination");
        }
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < positional.size(); i += 2) {
            if (positional.get(i + 1).isBlank()) {
                throw new UsageException("empty DEST_DIR for '" + ModelUri.redact(positional.get(i))
                        + "' (it would be the current directory)");
            }
            pairs.add(new String[] {positional.get(i), positional.get(i + 1)});
        }
        if (manifest != null && !isNone(manifest) && pairs.size() > 1) {
            throw new UsageException("--manifest " + manifest + " names one file, which cannot hold the manifests of "
                    + pairs.size() + " pairs; use none, or run one pair per command");
        }
        return new Options(
                pairs,
                concurrency,
                partSize,
                allow,
                ignore,
                link,
                extract,
                manifest,
                quiet,
                verbose,
                json,
                progress.isZero() ? null : progress,
                dryRun);
    }

    private static void noValue(String option, String inline) throws UsageException {
        if (inline != null) {
            throw new UsageException(option + " takes no value, not '" + inline + "'");
        }
    }

    /** The word that turns the manifest off, as {@code STORAGE_MANIFEST} reads it too. */
    private static boolean isNone(String manifest) {
        return manifest.equalsIgnoreCase("none");
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static int positiveInt(String option, String value) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(option + " needs a positive whole number, not '" + value + "'");
    }

    /** True for json, false for text. */
    private static boolean logFormat(String option, String value) throws UsageException {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "json":
                return true;
            case "text":
                return false;
            default:
                throw new UsageException(option + " takes text or json, not '" + value + "'");
        }
    }

    /** Seconds, a fraction allowed; 0 is none. */
    private static Duration seconds(String option, String value) throws UsageException {
        try {
            double s = Double.parseDouble(value);
            if (s >= 0 && s <= 86400) {
                return Duration.ofMillis(Math.round(s * 1000));
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(option + " needs a number of seconds, not '" + value + "'");
    }

    /** A variable's value, trimmed; blank counts as unset. */
    private static Optional<String> setting(CredentialSource env, String name) {
        return env.get(name).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static boolean bool(String name, String value) throws UsageException {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true":
            case "1":
            case "yes":
                return true;
            case "false":
            case "0":
            case "no":
                return false;
            default:
                throw new UsageException(name + " takes true or false, not '" + value + "'");
        }
    }

    private static LinkMode linkMode(String option, String value) throws UsageException {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "copy":
                return LinkMode.COPY;
            case "hardlink":
            case "hard":
                return LinkMode.HARD_LINK;
            case "symlink":
            case "sym":
                return LinkMode.SYMLINK;
            default:
                throw new UsageException(option + " takes copy, hardlink or symlink, not '" + value + "'");
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
                out.println(USAGE_TEXT);
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
        Options options;
        try {
            options = parse(settings, args);
        } catch (UsageException e) {
            String line = Redactor.scrub("storage-initializer: " + e.getMessage());
            err.println(line + (e.code == USAGE ? " (try --help)" : ""));
            terminationMessage(terminationLog, List.of(line));
            return e.code;
        }
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
                        .settings(settings)
                        .allow(options.allow())
                        .ignore(options.ignore())
                        .linkMode(options.link())
                        .extractArchives(options.extract());
                if (options.manifest() != null && isNone(options.manifest())) {
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
                settings.get("STORAGE_MANIFEST").map(String::trim).orElse("");
        if (errors.code == OK
                && options.manifest() == null
                && requests.size() > 1
                && !manifestSetting.isEmpty()
                && !isNone(manifestSetting)) {
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
