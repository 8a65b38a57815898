package dev.storageinit.spi.support;

import dev.storageinit.ConfigurationException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One setting as read: its name, its value (trimmed, never blank) and where it came from. {@link #toString()} is
 * the one way the project names a setting in messages, {@code NAME (environment)}; it never shows the value. The
 * typed readers fail with a {@link ConfigurationException} that names the setting and its origin.
 */
public final class Setting {
    /** The one truthy rule: these, in any case, are true. */
    static final Set<String> TRUE = Set.of("1", "true", "yes", "on");
    /** ... and these are false; any other value is an error. */
    static final Set<String> FALSE = Set.of("0", "false", "no", "off");
    /** The longest time a seconds setting may give: one day. */
    static final long MAX_SECONDS = 86_400;

    private final String name;
    private final String value;
    private final String origin;
    private final String uri;

    Setting(String name, String value, String origin, String uri) {
        this.name = Objects.requireNonNull(name, "name");
        this.value = Objects.requireNonNull(value, "value");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.uri = uri;
    }

    /** The variable's name. */
    public String name() {
        return name;
    }

    /** The value, trimmed and not empty. May be a secret: never put it into a message. */
    public String value() {
        return value;
    }

    /** Where the value came from ({@code environment}, {@code directory /var/run/secrets/model}). */
    public String origin() {
        return origin;
    }

    /** {@code 1, true, yes, on} are true, {@code 0, false, no, off} false (any case); anything else is an error. */
    public boolean flag() throws ConfigurationException {
        String v = value.toLowerCase(Locale.ROOT);
        if (TRUE.contains(v)) {
            return true;
        }
        if (FALSE.contains(v)) {
            return false;
        }
        throw invalid("must be one of 1, true, yes, on or 0, false, no, off");
    }

    /** A whole number of at least 1. */
    public int positiveInt() throws ConfigurationException {
        return (int) whole(1, Integer.MAX_VALUE);
    }

    /** A whole number of at least 0. */
    public long nonNegativeLong() throws ConfigurationException {
        return whole(0, Long.MAX_VALUE);
    }

    private long whole(long min, long max) throws ConfigurationException {
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("must be a whole number >= " + min);
    }

    /** A number of seconds above 0 (fractions allowed, at most one day), to the millisecond. */
    public Duration seconds() throws ConfigurationException {
        return seconds(false);
    }

    /** A number of seconds of 0 or more (fractions allowed, at most one day), to the millisecond. */
    public Duration secondsOrZero() throws ConfigurationException {
        return seconds(true);
    }

    private Duration seconds(boolean zero) throws ConfigurationException {
        try {
            double s = Double.parseDouble(value);
            if ((s > 0 || zero && s == 0) && s <= MAX_SECONDS) {
                return Duration.ofMillis(s == 0 ? 0 : Math.max(1, Math.round(s * 1000)));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("must be a number of seconds " + (zero ? "of 0 or more" : "above 0") + " (at most " + MAX_SECONDS
                + ")");
    }

    /** A file system path; a leading {@code ~/} is the user's home directory. */
    public Path path() throws ConfigurationException {
        String v = value.startsWith("~/") ? System.getProperty("user.home") + value.substring(1) : value;
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw invalid("is not a usable path (" + e.getReason() + ")");
        }
    }

    /** The value parsed as JSON: a Map, List, String, Number, Boolean or null. */
    public Object json() throws ConfigurationException {
        try {
            return Json.parse(value);
        } catch (IllegalArgumentException e) {
            // the parser's message may quote the value: not passed on
            throw new ConfigurationException(uri, this + " is not valid JSON");
        }
    }

    /** The value in lower case when it is one of {@code choices} (case-insensitive), else an error listing them. */
    public String oneOf(String... choices) throws ConfigurationException {
        String v = value.toLowerCase(Locale.ROOT);
        for (String c : choices) {
            if (c.equals(v)) {
                return c;
            }
        }
        int last = choices.length - 1;
        throw invalid("must be "
                + (last <= 0
                        ? String.join("", choices)
                        : String.join(", ", java.util.Arrays.copyOf(choices, last)) + " or " + choices[last]));
    }

    /**
     * An error about this setting: {@code NAME (origin) <problem>, got '<value>'}; the value is left out when the
     * name is secret-like.
     */
    public ConfigurationException invalid(String problem) {
        return new ConfigurationException(
                uri, this + " " + problem + (Redactor.isSecretName(name) ? "" : ", got '" + value + "'"));
    }

    /** {@code NAME (origin)}. */
    @Override
    public String toString() {
        return name + " (" + origin + ")";
    }
}
