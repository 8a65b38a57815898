package dev.storageinit.internal;

import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

/**
 * The engine's one retry policy for every call to a source (a listing page, a stat, a ranged read): a retryable
 * failure is tried again up to {@link EngineSettings#maxAttempts()} times, after an exponential backoff with
 * jitter, capped at {@link #MAX_BACKOFF}. Sources do not retry on their own.
 */
final class Retries {
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    /** A call to the source. */
    interface Call<T> {
        T run() throws StorageException;
    }

    private final String shown;
    private final EngineSettings settings;
    private final BooleanSupplier aborted;

    Retries(String shown, EngineSettings settings, BooleanSupplier aborted) {
        this.shown = shown;
        this.settings = settings;
        this.aborted = aborted;
    }

    /** Runs {@code call}, retrying retryable failures; {@code what} names it in the final error. */
    <T> T call(String what, Call<T> call) throws StorageException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (StorageException e) {
                if (!e.isRetryable() || aborted.getAsBoolean()) {
                    throw e;
                }
                if (attempt >= settings.maxAttempts()) {
                    throw exhausted(what, attempt, e);
                }
                pause(attempt);
            }
        }
    }

    /** Whether trying again may cure {@code e}: an I/O failure while reading, or a retryable typed error. */
    static boolean retryable(IOException e) {
        return !(e instanceof StorageException se) || se.isRetryable();
    }

    /** The error that ends the retries of {@code what} after {@code attempts} attempts. */
    TransferException exhausted(String what, int attempts, IOException last) {
        String detail = String.valueOf(last.getMessage());
        if (last instanceof StorageException se && !se.uri().isEmpty() && detail.startsWith(se.uri() + ": ")) {
            detail = detail.substring(se.uri().length() + 2); // the URI starts the new message already
        }
        return new TransferException(shown, what + ": failed after " + attempts + " attempts: " + detail, true, last);
    }

    /** Sleeps before attempt {@code attempt + 1}: half the capped exponential delay, plus up to as much again. */
    void pause(int attempt) throws TransferException {
        long base = settings.retryBackoff().toMillis() << Math.min(attempt - 1, 20);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        long delay = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransferException(shown, "download interrupted", true, e);
        }
    }
}
