package dev.storageinit.spi;

import dev.storageinit.CredentialSource;

/**
 * What a provider gets to open a source with.
 *
 * @param settings credentials and settings by the environment-variable contract's names
 * @param concurrency how many requests the engine may run at once against this source: size connection pools
 *     to at least this
 */
public record SourceContext(CredentialSource settings, int concurrency) {}
