package dev.storageinit.cli;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.LinkMode;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The command line: every option with its environment twin and its line in {@code --help}, and the parser. The
 * twins are read as every other setting is ({@link Settings}: one truthy rule, errors naming the variable).
 */
final class CommandLine {
    private CommandLine() {}

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

    static final String USAGE_TEXT = usageText();

    private static String usageText() {
        List<String> lines = new ArrayList<>(
                List.of(
                        "Usage: storage-initializer [options] SRC_URI DEST_DIR [SRC_URI DEST_DIR ...]",
                        "",
                        "Downloads each SRC_URI into DEST_DIR, a non-empty path (pairs run concurrently, on one scheduler).",
                        "  SRC_URI  s3://bucket/path, gs://bucket/path, https://<account>.blob.core.windows.net/<container>/<path>,",
                        "           pvc://<claim>/<path>, file:///path, a local path, http(s)://host/file",
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
            this(message, Main.USAGE);
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
            Settings twins = Settings.of(env, "");
            Optional<Setting> v = twins.get("STORAGE_DRY_RUN");
            if (v.isPresent()) {
                dryRun = v.get().flag();
            }
            v = twins.get("STORAGE_LOG_FORMAT");
            if (v.isPresent()) {
                json = v.get().oneOf("text", "json").equals("json");
            }
            v = twins.get("STORAGE_PROGRESS_INTERVAL");
            if (v.isPresent()) {
                progress = v.get().secondsOrZero();
            }
            concurrency = twins.positiveInt("STORAGE_CONCURRENCY", concurrency);
            partSize = (long) twins.positiveInt("STORAGE_PART_SIZE_MIB", 16) << 20;
            v = twins.get("STORAGE_LINK_MODE");
            if (v.isPresent()) {
                link = linkMode(v.get().oneOf("copy", "hardlink", "hard", "symlink", "sym"));
            }
            extract = twins.flag("STORAGE_EXTRACT", extract);
            v = twins.get("STORAGE_LOG_LEVEL");
            if (v.isPresent()) {
                String level = v.get().oneOf("quiet", "error", "info", "verbose", "debug");
                quiet = level.equals("quiet") || level.equals("error");
                verbose = level.equals("verbose") || level.equals("debug");
            }
        } catch (ConfigurationException e) {
            throw new UsageException("configuration error: " + e.getMessage(), Main.INVALID);
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
    static boolean isNone(String manifest) {
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

    /** The link mode a lower-case word names, or null when it names none. */
    private static LinkMode linkMode(String word) {
        switch (word) {
            case "copy":
                return LinkMode.COPY;
            case "hardlink":
            case "hard":
                return LinkMode.HARD_LINK;
            case "symlink":
            case "sym":
                return LinkMode.SYMLINK;
            default:
                return null;
        }
    }

    private static LinkMode linkMode(String option, String value) throws UsageException {
        LinkMode mode = linkMode(value.toLowerCase(Locale.ROOT));
        if (mode == null) {
            throw new UsageException(option + " takes copy, hardlink or symlink, not '" + value + "'");
        }
        return mode;
    }
}
