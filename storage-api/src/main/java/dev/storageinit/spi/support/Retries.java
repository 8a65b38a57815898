package dev.storageinit.spi.support;

import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one wait between tries of a failed request, for the engine's ranged reads and a provider's metadata calls:
 * exponential from a base with jitter, capped at {@link #MAX_BACKOFF}, and never shorter than the wait the server
 * asked for in a {@link TransferException#retryAfter()} (429 {@code Retry-After}), which is honoured up to
 * {@link #MAX_RETRY_AFTER}.
 */
public final class Retries {
    /** The longest wait of the exponential backoff. */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** The longest server-requested wait that is honoured; a longer one is cut to this. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

    private Retries() {}

    /** One call that may fail retryably. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws StorageException;
    }

    /**
     * Runs {@code call} up to {@code attempts} times while it fails retryably, waiting {@link #delay} between tries.
     *
     * @param uri the redacted source URI, for the interruption's message
     */
    public static <T> T call(String uri, int attempts, Duration base, Call<T> call) throws StorageException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (StorageException e) {
                if (!e.isRetryable() || attempt >= attempts) {
                    throw e;
                }
                sleep(uri, delay(base, attempt, e));
            }
        }
    }

    /**
     * The wait before try {@code attempt + 1}: {@code base * 2^(attempt-1)} capped at {@link #MAX_BACKOFF}, drawn in
     * its upper half, and at least the wait {@code failure} carries from the server.
     */
    public static Duration delay(Duration base, int attempt, Throwable failure) {
        long capped = Math.min(base.toMillis() << Math.min(attempt - 1, 20), MAX_BACKOFF.toMillis());
        long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        long asked = failure instanceof TransferException t
                ? t.retryAfter()
                        .map(d -> Math.min(d.toMillis(), MAX_RETRY_AFTER.toMillis()))
                        .orElse(0L)
                : 0L;
        return Duration.ofMillis(Math.max(jittered, asked));
    }

    /** Sleeps {@code wait}; an interruption is a retryable {@link TransferException} with the flag kept. */
    public static void sleep(String uri, Duration wait) throws TransferException {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransferException(uri, "download interrupted", true, e);
        }
    }
}
