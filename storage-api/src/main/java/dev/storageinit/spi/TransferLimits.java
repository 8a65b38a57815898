package dev.storageinit.spi;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;

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
    public static TransferLimits fromSettings(String shownUri, CredentialSource settings, String filesVariable,
                                              String rangesVariable) throws ConfigurationException {
        return new TransferLimits(bound(shownUri, settings, filesVariable),
                bound(shownUri, settings, rangesVariable));
    }

    private static int bound(String shownUri, CredentialSource settings, String variable)
            throws ConfigurationException {
        if (variable == null) {
            return Integer.MAX_VALUE;
        }
        String value = settings.get(variable).map(String::trim).orElse("");
        if (value.isEmpty()) {
            return Integer.MAX_VALUE;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(shownUri, variable + " must be a whole number >= 1, got '" + value + "'");
    }
}
