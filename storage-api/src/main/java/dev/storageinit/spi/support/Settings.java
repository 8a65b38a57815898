package dev.storageinit.spi.support;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The one reader of settings for providers and the engine, over a {@link CredentialSource}: values are trimmed (a
 * blank one counts as absent), each comes back as a {@link Setting} that knows its origin, the typed readers share
 * one rule per type, and a source that cannot be read (an unreadable secret file) is a
 * {@link ConfigurationException} naming the variable.
 */
public final class Settings {
    /**
     * The one read timeout every provider honours: seconds an answer may go without a byte (its headers, or the
     * next bytes of its body) before the read fails retryably, for the engine to retry it.
     */
    public static final String READ_TIMEOUT = "STORAGE_READ_TIMEOUT";

    private final CredentialSource source;
    private final String uri;

    private Settings(CredentialSource source, String uri) {
        this.source = source;
        this.uri = uri;
    }

    /**
     * @param source where values are read
     * @param uri the redacted source URI the errors start with; may be empty
     */
    public static Settings of(CredentialSource source, String uri) {
        return new Settings(source, uri == null ? "" : uri);
    }

    /** The underlying source. */
    public CredentialSource source() {
        return source;
    }

    /** The redacted URI errors start with. */
    public String uri() {
        return uri;
    }

    /** Which source this is ({@code environment}, ...), never a value. */
    public String description() {
        return source.description();
    }

    /** {@code name}, when set to something not blank. */
    public Optional<Setting> get(String name) throws ConfigurationException {
        Optional<String> raw;
        String origin;
        try {
            raw = source.get(name).map(String::trim).filter(v -> !v.isEmpty());
            origin = raw.isPresent() ? source.describe(name) : null;
        } catch (RuntimeException e) {
            // an unreadable secret file (UncheckedIOException), a failing custom source
            throw new ConfigurationException(
                    uri, "cannot read setting " + name + " from " + source.description() + ": " + e.getMessage(), e);
        }
        return raw.map(v -> new Setting(name, v, origin, uri));
    }

    /** The first of {@code names} that is set. */
    public Optional<Setting> firstOf(String... names) throws ConfigurationException {
        for (String name : names) {
            Optional<Setting> s = get(name);
            if (s.isPresent()) {
                return s;
            }
        }
        return Optional.empty();
    }

    /** Whether {@code name} is set at all. */
    public boolean has(String name) throws ConfigurationException {
        return get(name).isPresent();
    }

    /** The value of {@code name}, trimmed. */
    public Optional<String> string(String name) throws ConfigurationException {
        return get(name).map(Setting::value);
    }

    /** {@code name} as a flag (see {@link Setting#flag()}), {@code dflt} when not set. */
    public boolean flag(String name, boolean dflt) throws ConfigurationException {
        return read(name, Setting::flag).orElse(dflt);
    }

    /** {@code name} as a whole number >= 1, {@code dflt} when not set. */
    public int positiveInt(String name, int dflt) throws ConfigurationException {
        return read(name, Setting::positiveInt).orElse(dflt);
    }

    /** {@code name} as a whole number >= 0, {@code dflt} when not set. */
    public long nonNegativeLong(String name, long dflt) throws ConfigurationException {
        return read(name, Setting::nonNegativeLong).orElse(dflt);
    }

    /** {@code name} as seconds above 0, {@code dflt} when not set. */
    public Duration seconds(String name, Duration dflt) throws ConfigurationException {
        return read(name, Setting::seconds).orElse(dflt);
    }

    /**
     * The read timeout ({@value #READ_TIMEOUT}): {@code twin}, a provider's own older name for it
     * ({@code S3_READ_TIMEOUT}), when that is set; else {@value #READ_TIMEOUT}; else {@code dflt}.
     *
     * @param twin the provider's own name, which wins; null when it has none
     */
    public Duration readTimeout(String twin, Duration dflt) throws ConfigurationException {
        Optional<Setting> s = twin == null ? get(READ_TIMEOUT) : firstOf(twin, READ_TIMEOUT);
        return s.isPresent() ? s.get().seconds() : dflt;
    }

    /** The name {@link #readTimeout} takes its value from, for messages: {@code twin} when set, else the shared one. */
    public String readTimeoutName(String twin) throws ConfigurationException {
        return twin != null && has(twin) ? twin : READ_TIMEOUT;
    }

    /** {@code name} as a path. */
    public Optional<Path> path(String name) throws ConfigurationException {
        return read(name, Setting::path);
    }

    /** {@code name} parsed as JSON (empty also for a JSON {@code null}). */
    public Optional<Object> json(String name) throws ConfigurationException {
        return read(name, Setting::json);
    }

    /** One typed reading of a setting. */
    @FunctionalInterface
    private interface Reader<T> {
        T read(Setting setting) throws ConfigurationException;
    }

    private <T> Optional<T> read(String name, Reader<T> reader) throws ConfigurationException {
        Optional<Setting> s = get(name);
        return s.isPresent() ? Optional.ofNullable(reader.read(s.get())) : Optional.empty();
    }

    /** {@code NAME (origin)} for a setting that is set, {@code NAME (description)} for one that is not. */
    public String describe(String name) throws ConfigurationException {
        Optional<Setting> s = get(name);
        return s.isPresent() ? s.get().toString() : name + " (" + source.description() + ")";
    }

    @Override
    public String toString() {
        return "Settings[" + source.description() + "]";
    }
}
