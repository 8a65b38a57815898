package dev.storageinit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One download: a source URI into a destination directory. Immutable; build with {@link #builder(String, Path)}.
 *
 * @param source the parsed source URI
 * @param destination the local directory (any {@link java.nio.file.FileSystem}); created when missing
 * @param settings where the provider and the engine read credentials and settings (the environment-variable
 *     contract's names)
 * @param allowPatterns when not empty, only relative paths matching one of these globs are downloaded
 * @param ignorePatterns relative paths matching one of these globs are not downloaded
 * @param linkMode for local sources: copy, hard-link or symlink
 * @param extractArchives when the source names a single object that is a {@code .zip}, {@code .tar},
 *     {@code .tar.gz}/{@code .tgz}, {@code .tar.bz2} or {@code .tar.xz} archive, extract it into the destination
 *     and remove it (default true)
 * @param manifestFile where the manifest is kept; null for the default: {@code STORAGE_MANIFEST} when set (a file
 *     path, or {@code none}), else {@code .storage-initializer/manifest.json} inside the destination
 * @param keepManifest false to keep no manifest (a re-run then downloads everything again); default true
 */
public record DownloadRequest(
        ModelUri source,
        Path destination,
        CredentialSource settings,
        List<String> allowPatterns,
        List<String> ignorePatterns,
        LinkMode linkMode,
        boolean extractArchives,
        Path manifestFile,
        boolean keepManifest) {

    /** Validates and copies the lists. */
    public DownloadRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(settings, "settings");
        allowPatterns = List.copyOf(allowPatterns);
        ignorePatterns = List.copyOf(ignorePatterns);
        Objects.requireNonNull(linkMode, "linkMode");
    }

    /** A request that extracts archives (the form before {@code extractArchives} existed). */
    public DownloadRequest(
            ModelUri source,
            Path destination,
            CredentialSource settings,
            List<String> allowPatterns,
            List<String> ignorePatterns,
            LinkMode linkMode) {
        this(source, destination, settings, allowPatterns, ignorePatterns, linkMode, true, null, true);
    }

    /** The same request reading its credentials and settings from {@code other}. */
    DownloadRequest withSettings(CredentialSource other) {
        return new DownloadRequest(
                source,
                destination,
                other,
                allowPatterns,
                ignorePatterns,
                linkMode,
                extractArchives,
                manifestFile,
                keepManifest);
    }

    /** A request with the environment as credential source and no filters. */
    public static DownloadRequest of(String source, Path destination) throws InvalidUriException {
        return builder(source, destination).build();
    }

    /** Starts a request. */
    public static Builder builder(String source, Path destination) throws InvalidUriException {
        return new Builder(ModelUri.parse(source), destination);
    }

    /** Starts a request. */
    public static Builder builder(ModelUri source, Path destination) {
        return new Builder(source, destination);
    }

    /** Builder for {@link DownloadRequest}. */
    public static final class Builder {
        private final ModelUri source;
        private final Path destination;
        private CredentialSource settings = CredentialSource.environment();
        private final List<String> allow = new ArrayList<>();
        private final List<String> ignore = new ArrayList<>();
        private LinkMode linkMode = LinkMode.COPY;
        private boolean extractArchives = true;
        private Path manifestFile;
        private boolean keepManifest = true;

        private Builder(ModelUri source, Path destination) {
            this.source = source;
            this.destination = destination;
        }

        /** Where credentials and settings come from; default {@link CredentialSource#environment()}. */
        public Builder settings(CredentialSource settings) {
            this.settings = settings;
            return this;
        }

        /**
         * Adds globs a relative path must match to be downloaded. Globs follow the Python initializer's fnmatch:
         * {@code *} and {@code ?} match any character including '/', {@code [abc]} a set. When neither this nor
         * {@link #ignore} is called, {@code STORAGE_ALLOW_PATTERNS} / {@code STORAGE_IGNORE_PATTERNS} from the
         * credential source apply.
         */
        public Builder allow(List<String> globs) {
            allow.addAll(globs);
            return this;
        }

        /** Adds globs of relative paths to skip; see {@link #allow(List)}. */
        public Builder ignore(List<String> globs) {
            ignore.addAll(globs);
            return this;
        }

        /** Copy (default), hard-link or symlink files of local sources. */
        public Builder linkMode(LinkMode linkMode) {
            this.linkMode = linkMode;
            return this;
        }

        /**
         * Whether a single archive object ({@code .zip}, {@code .tar}, {@code .tar.gz}/{@code .tgz},
         * {@code .tar.bz2}, {@code .tar.xz}, or an extension-less name whose content is one of those) is extracted
         * into the destination and then removed; default true.
         */
        public Builder extractArchives(boolean extract) {
            this.extractArchives = extract;
            return this;
        }

        /**
         * Keeps the manifest in {@code file} instead of {@code .storage-initializer/manifest.json} inside the
         * destination (wins over {@code STORAGE_MANIFEST}).
         */
        public Builder manifestFile(Path file) {
            this.manifestFile = file;
            return this;
        }

        /** Keeps no manifest at all: the destination holds the model alone, and a re-run fetches every file again. */
        public Builder noManifest() {
            this.keepManifest = false;
            return this;
        }

        /** The request. */
        public DownloadRequest build() {
            return new DownloadRequest(
                    source,
                    destination,
                    settings,
                    allow,
                    ignore,
                    linkMode,
                    extractArchives,
                    manifestFile,
                    keepManifest);
        }
    }
}
