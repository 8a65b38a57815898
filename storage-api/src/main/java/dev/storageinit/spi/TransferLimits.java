package dev.storageinit.spi;

import dev.storageinit.ConfigurationException;
import dev.storageinit.spi.support.Settings;

/**
 * Upper bounds a source's settings put on one download, on top of the engine's own concurrency: how many files
 * are fetched at once, and how many byte ranges of one file. They come from the Python initializers' knobs
 * ({@code S3_MAX_FILE_CONCURRENCY}, {@code AZURE_MAX_FILE_CONCURRENCY}, {@code AZURE_MAX_CHUNK_CONCURRENCY}) and can
 * only lower the engine's concurrency, never raise it.
 *
 * @param maxFiles files in flight at once, at least 1
 * @param maxRangesPerFile byte ranges of one file in flight at once, at least 1
 */
public record TransferLimits(int maxFiles, int maxRangesPerFile) {
    /** No bound beyond the engine's concurrency. */
    public static final TransferLimits NONE = new TransferLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);

    /** Validates both bounds. */
    public TransferLimits {
        if (maxFiles < 1 || maxRangesPerFile < 1) {
            throw new IllegalArgumentException("limits must be at least 1: " + maxFiles + ", " + maxRangesPerFile);
        }
    }

    /**
     * The limits two settings give, each unbounded when absent: {@code filesVariable} and {@code rangesVariable}
     * (null when the store has no such setting) must be whole numbers of at least 1.
     */
    public static TransferLimits fromSettings(Settings settings, String filesVariable, String rangesVariable)
            throws ConfigurationException {
        return new TransferLimits(bound(settings, filesVariable), bound(settings, rangesVariable));
    }

    private static int bound(Settings settings, String variable) throws ConfigurationException {
        return variable == null ? Integer.MAX_VALUE : settings.positiveInt(variable, Integer.MAX_VALUE);
    }
}
