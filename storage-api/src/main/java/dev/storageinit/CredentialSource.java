package dev.storageinit;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where providers read credentials and settings, by the names of the environment-variable contract
 * ({@code AWS_ACCESS_KEY_ID}, {@code GOOGLE_APPLICATION_CREDENTIALS}, {@code RCLONE_CONFIG_S3_TYPE}, ...).
 * Implementations never print values: {@code toString()} and {@link #description()} name the source only.
 */
public interface CredentialSource {

    /** The value of {@code name}, or empty when this source does not have it (blank values count as absent). */
    Optional<String> get(String name);

    /** Which source this is, for messages ("environment", "directory /var/run/secrets/model"); never a value. */
    String description();

    /** Where {@code name} would be read from: this source's description, or that of the member that has it. */
    default String describe(String name) {
        return description();
    }

    /** The process environment, the way the Python initializers read it. */
    static CredentialSource environment() {
        return CredentialSources.ENVIRONMENT;
    }

    /** A fixed map, copied; for tests and for servers that hold settings themselves. */
    static CredentialSource of(Map<String, String> values) {
        return new CredentialSources.MapSource(values);
    }

    /** Nothing at all: providers fall back to anonymous access or their SDK's default chain. */
    static CredentialSource none() {
        return of(Map.of());
    }

    /**
     * A mounted Kubernetes secret: one file per name ({@code dir/AWS_ACCESS_KEY_ID}), read when asked, trailing
     * newlines removed.
     */
    static CredentialSource fromDirectory(Path dir) {
        return new CredentialSources.DirectorySource(dir);
    }

    /** The first of {@code sources} that has a name wins. */
    static CredentialSource first(CredentialSource... sources) {
        return new CredentialSources.FirstSource(List.of(sources));
    }
}
