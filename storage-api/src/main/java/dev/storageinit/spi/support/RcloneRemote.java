package dev.storageinit.spi.support;

import dev.storageinit.ConfigurationException;
import dev.storageinit.ModelUri;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * An rclone remote named by a URI's scheme, as Seldon configures them: {@code my-s3://bucket/path} with
 * {@code RCLONE_CONFIG_MY_S3_TYPE=s3}. The remote's variables are {@code RCLONE_CONFIG_<REMOTE>_<OPTION>}, the
 * remote's name mangled once, here: upper case, anything but ASCII letters and digits as {@code _}.
 *
 * @param name the scheme as written ({@code my-s3})
 * @param prefix {@code RCLONE_CONFIG_<REMOTE>_}
 * @param type the declared type, trimmed and lower case ({@code s3}, {@code azureblob})
 */
public record RcloneRemote(String name, String prefix, String type) {
    /** Schemes that are never rclone remotes: the ones with a meaning of their own. */
    static final Set<String> NOT_REMOTES = Set.of("file", "http", "https");

    /** {@code RCLONE_CONFIG_<REMOTE>_} for a scheme: {@code my-s3} gives {@code RCLONE_CONFIG_MY_S3_}. */
    public static String prefixOf(String scheme) {
        StringBuilder sb = new StringBuilder("RCLONE_CONFIG_");
        for (char c : scheme.toCharArray()) {
            sb.append(c < 128 && Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return sb.append('_').toString();
    }

    /** The remote {@code uri}'s scheme names, when {@code RCLONE_CONFIG_<REMOTE>_TYPE} is set. */
    public static Optional<RcloneRemote> of(ModelUri uri, Settings settings) throws ConfigurationException {
        String scheme = uri.scheme();
        if (NOT_REMOTES.contains(scheme)) {
            return Optional.empty();
        }
        String prefix = prefixOf(scheme);
        return settings.string(prefix + "TYPE").map(t -> new RcloneRemote(scheme, prefix, t.toLowerCase(Locale.ROOT)));
    }

    /** The remote {@code uri}'s scheme names when it is of one of {@code types}. */
    public static Optional<RcloneRemote> ofType(ModelUri uri, Settings settings, Collection<String> types)
            throws ConfigurationException {
        return of(uri, settings).filter(r -> r.isOneOf(types));
    }

    /** Whether the declared type is one of {@code types} (compared ignoring case). */
    public boolean isOneOf(Collection<String> types) {
        for (String t : types) {
            if (t.equalsIgnoreCase(type)) {
                return true;
            }
        }
        return false;
    }

    /** {@code RCLONE_CONFIG_<REMOTE>_<option>}. */
    public String variable(String option) {
        return prefix + option;
    }

    /** The remote's {@code option}. */
    public Optional<Setting> get(Settings settings, String option) throws ConfigurationException {
        return settings.get(variable(option));
    }
}
