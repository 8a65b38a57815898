package dev.storageinit.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Every option of the command line, with its environment twin and its line in {@code --help}. */
final class Flags {
    private Flags() {}

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
    static final List<Flag> ALL = List.of(
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
        for (Flag f : ALL) {
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
}
