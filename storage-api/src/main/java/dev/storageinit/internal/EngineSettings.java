package dev.storageinit.internal;

import java.time.Duration;

/**
 * Tuning of the transfer engine, fixed when a {@link dev.storageinit.Storage} is built.
 *
 * @param concurrency worker threads, i.e. requests in flight
 * @param partSize bytes per ranged request of a large object
 * @param multipartThreshold objects larger than this are split into ranges
 * @param bufferSize bytes read at a time by one worker
 * @param maxAttempts attempts per unit of work for retryable failures
 * @param retryBackoff first retry delay
 */
public record EngineSettings(
        int concurrency,
        long partSize,
        long multipartThreshold,
        int bufferSize,
        int maxAttempts,
        Duration retryBackoff) {}
