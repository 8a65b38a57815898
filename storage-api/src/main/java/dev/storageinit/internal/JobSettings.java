package dev.storageinit.internal;

import dev.storageinit.ConfigurationException;
import dev.storageinit.DownloadRequest;
import dev.storageinit.StorageException;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.TransferLimits;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every engine setting of one download, parsed once when it starts, before the source is opened or listed: a typo
 * in any of them fails the download before a byte is transferred.
 *
 * @param filter {@code STORAGE_ALLOW_PATTERNS} / {@code STORAGE_IGNORE_PATTERNS}, unless the request has patterns
 * @param md5 {@code STORAGE_VERIFY_MD5}
 * @param archiveLimits {@code STORAGE_EXTRACT_MAX_*}
 * @param limits the provider's bounds ({@code S3_MAX_FILE_CONCURRENCY}, ...)
 * @param manifestFile where the manifest goes ({@code STORAGE_MANIFEST} or the request); empty for none
 * @param lockTimeout {@code STORAGE_LOCK_TIMEOUT}
 */
record JobSettings(
        PathFilter filter,
        Md5Policy md5,
        ArchiveExtractor.Limits archiveLimits,
        TransferLimits limits,
        Optional<Path> manifestFile,
        Duration lockTimeout) {

    static final String ALLOW_PATTERNS = "STORAGE_ALLOW_PATTERNS";
    static final String IGNORE_PATTERNS = "STORAGE_IGNORE_PATTERNS";

    /** Parses the settings of {@code request} (whose credentials are its settings) for {@code provider}. */
    static JobSettings of(DownloadRequest request, StorageProvider provider) throws StorageException {
        Settings settings =
                Settings.of(request.settings(), Redactor.scrub(request.source().redacted()));
        Path dest = request.destination().toAbsolutePath().normalize();
        return new JobSettings(
                filter(request, settings),
                Md5Policy.from(settings),
                ArchiveExtractor.Limits.from(settings),
                provider.limits(request.source(), request.settings()),
                Destination.manifestFile(request, dest, settings),
                Destination.lockTimeout(settings));
    }

    private static PathFilter filter(DownloadRequest request, Settings settings) throws ConfigurationException {
        if (!request.allowPatterns().isEmpty() || !request.ignorePatterns().isEmpty()) {
            return new PathFilter(request.allowPatterns(), request.ignorePatterns());
        }
        return new PathFilter(patterns(settings, ALLOW_PATTERNS), patterns(settings, IGNORE_PATTERNS));
    }

    private static List<String> patterns(Settings settings, String name) throws ConfigurationException {
        Optional<Setting> value = settings.get(name);
        try {
            return value.isEmpty()
                    ? List.of()
                    : PathFilter.parseList(value.get().value());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(settings.uri(), value.get() + ": " + e.getMessage());
        }
    }
}
