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
 * The command line's parser: the options of {@link Flags} over the defaults their environment twins give, read as
 * every other setting is ({@link Settings}: one truthy rule, errors naming the variable).
 */
final class CommandLine {
    private CommandLine() {}

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
