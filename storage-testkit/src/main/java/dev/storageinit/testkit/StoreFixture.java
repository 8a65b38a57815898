package dev.storageinit.testkit;

import dev.storageinit.CredentialSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

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

    /** A URI in a container (bucket, claim) that does not exist. */
    String missingContainerUri();

    /** Credentials the store refuses, or empty when the store has no authentication to refuse. */
    Optional<CredentialSource> wrongCredentials();

    @Override
    default void close() throws Exception {}
}
