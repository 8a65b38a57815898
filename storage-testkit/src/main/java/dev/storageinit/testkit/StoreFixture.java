package dev.storageinit.testkit;

import dev.storageinit.CredentialSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A real store, running for a test class, that the {@link ConformanceSuite} writes objects into and downloads
 * them back from through the provider under test. One fixture owns one container (bucket) for its lifetime.
 */
public interface StoreFixture extends AutoCloseable {

    /** The URI of {@code path} (no leading slash, may be empty) in the fixture's container, e.g. {@code s3://b/path}. */
    String uri(String path);

    /** Settings and credentials that give read access to the container. */
    CredentialSource settings();

    /** Stores (or replaces) an object. */
    void put(String key, byte[] content) throws Exception;

    /** Stores (or replaces) a large object from a file; the default reads the file into memory. */
    default void put(String key, Path file) throws Exception {
        put(key, Files.readAllBytes(file));
    }

    /**
     * Whether the store can hold {@code key}. Some servers refuse keys with {@code ..} segments; for those the suite
     * asserts that {@link #put} fails instead of testing the download.
     */
    default boolean canStore(String key) {
        return true;
    }

    /**
     * Whether the store can hold an object {@code a} beside objects under {@code a/} (object stores can; a file
     * system cannot). For those that cannot, the suite asserts that {@link #put} of the second fails.
     */
    default boolean canHoldFileAndFolderOnOnePath() {
        return true;
    }

    /**
     * Whether a folder's URI downloads the objects under it. Not for a source that names one object per URI and has
     * no listing (plain HTTP: a URL is one file, a server's directory is no object): for those the suite asserts that
     * a folder's URI is not found, and downloads the object itself where a clause is not about folders.
     */
    default boolean listsFolders() {
        return true;
    }

    /**
     * The store's own fault injector, for a store without a wire that a {@link FaultProxy} could sit on (the
     * in-memory store): the suite's cut, stall and error clauses inject through it, a fresh one (nothing armed,
     * counters at zero) for each download. Empty (the default) for a store
     * with a {@link #port()}, where a proxy injects them, and for a volume, which has no connection to break.
     */
    default Optional<Faults> faults() {
        return Optional.empty();
    }

    /**
     * The store server's TCP port on 127.0.0.1, where a {@link FaultProxy} can sit in front of it; empty for a store
     * reached without a network (volumes, memory), for which the suite's fault clauses use {@link #faults()} or, for
     * a volume, are not run.
     */
    default OptionalInt port() {
        return OptionalInt.empty();
    }

    /**
     * Settings like {@link #settings()} that reach the store through {@code endpoint} ({@code http://127.0.0.1:N},
     * a {@link FaultProxy}) instead of directly; only called when {@link #port()} is present.
     */
    default CredentialSource settingsThrough(String endpoint) {
        throw new UnsupportedOperationException("a store without a port() is not reached through an endpoint");
    }

    /**
     * The URI of {@code path} when the store is reached through {@code endpoint}: {@link #uri} itself for a store
     * whose endpoint is a setting ({@link #settingsThrough}); a URL that names its server (plain HTTP) names
     * {@code endpoint} instead. Only called when {@link #port()} is present.
     */
    default String uriThrough(String endpoint, String path) {
        return uri(path);
    }

    /**
     * Whether a proxy may drop the {@code Range} header of a read without the server refusing the request. Not for
     * stores whose requests sign it (S3's SigV4): there the suite asserts that the altered request fails cleanly.
     */
    default boolean rangeHeaderCanBeDropped() {
        return true;
    }

    /** A URI in a container (bucket, claim) that does not exist. */
    String missingContainerUri();

    /**
     * The setting {@link #wrongCredentials()} takes its credentials from, which an access-denied error names so that
     * a user knows what to fix (never its value).
     */
    default String wrongCredentialsVariable() {
        throw new UnsupportedOperationException("a store with wrongCredentials() names the variable they come from");
    }

    /** Credentials the store refuses, or empty when the store has no authentication to refuse. */
    Optional<CredentialSource> wrongCredentials();

    @Override
    default void close() throws Exception {}
}
