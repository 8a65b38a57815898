package dev.storageinit.http;

import dev.storageinit.ConfigurationException;
import dev.storageinit.StorageException;
import dev.storageinit.spi.http.HttpText;
import dev.storageinit.spi.http.Signer;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * KServe's per-host headers ({@code <hostname>-headers}, a JSON object) and the URL's userinfo as a {@link Signer}:
 * each host's headers go to the first origin met for it (the URL's own for its host), never over plain http once
 * the URL is https ({@link dev.storageinit.spi.http.RangedGet} calls no signer for a downgrade); and what was sent,
 * for the message of a refused request.
 */
final class HostHeaders implements Signer {
    private static final System.Logger LOG = Redactor.logger(HttpObjectSource.class.getName());
    static final String HEADERS_SUFFIX = "-headers";
    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final String shown;
    private final URI target;
    private final String userInfo;
    private final Settings settings;
    private final Map<String, Map<String, String>> headersByHost = new ConcurrentHashMap<>();
    /** The one origin each host's headers go to. */
    private final Map<String, String> originByHost = new ConcurrentHashMap<>();

    HostHeaders(String shown, URI target, String userInfo, Settings settings) {
        this.shown = shown;
        this.target = target;
        this.userInfo = userInfo;
        this.settings = settings;
        originByHost.put(HttpText.hostKey(target.getHost()), HttpText.origin(target));
    }

    @Override
    public void sign(Request request) throws StorageException {
        signElsewhere(request);
        if (userInfo != null) {
            request.set(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            HttpText.decodePath(userInfo).getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Override
    public void signElsewhere(Request request) throws StorageException {
        for (Map.Entry<String, String> e : headersFor(request.uri()).entrySet()) {
            if (request.header(e.getKey()).isEmpty()) { // the request's own (Range, If-Match) win
                request.set(e.getKey(), e.getValue());
            }
        }
    }

    /** Credentials never go over plain http once the URL we were given is https. */
    private boolean mayCarryCredentials(URI u) {
        return !(target.getScheme().equalsIgnoreCase("https") && u.getScheme().equalsIgnoreCase("http"));
    }

    /** Whether {@code u} is the origin its host's headers belong to (the first one met for a host the URL did not name). */
    private boolean headersBelongTo(URI u) {
        String origin = HttpText.origin(u);
        return originByHost
                .computeIfAbsent(HttpText.hostKey(u.getHost()), h -> origin)
                .equals(origin);
    }

    /** The headers KServe's {@code <hostname>-headers} setting gives for {@code u}'s origin; empty when none. */
    private Map<String, String> headersFor(URI u) throws ConfigurationException {
        if (!headersBelongTo(u)) {
            return Map.of();
        }
        String host = HttpText.hostKey(u.getHost());
        Map<String, String> known = headersByHost.get(host);
        if (known != null) {
            return known;
        }
        String name = host + HEADERS_SUFFIX;
        Optional<Setting> json = settings.get(name);
        Map<String, String> headers = new LinkedHashMap<>();
        if (json.isPresent()) {
            Object parsed = json.get().json();
            if (!(parsed instanceof Map)) {
                throw new ConfigurationException(
                        shown, json.get() + " must be a JSON object of header names to values");
            }
            for (Map.Entry<?, ?> e : ((Map<?, ?>) parsed).entrySet()) {
                String k = String.valueOf(e.getKey()).trim();
                if (e.getValue() == null || e.getValue() instanceof Map || e.getValue() instanceof Collection) {
                    throw new ConfigurationException(
                            shown, json.get() + ": header '" + k + "' must have a string value");
                }
                if (RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                    LOG.log(
                            Level.WARNING,
                            "{0}: setting ''{1}'': header ''{2}'' is set by the HTTP client and is " + "ignored",
                            shown,
                            name,
                            k);
                    continue;
                }
                String value = String.valueOf(e.getValue());
                if (!k.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")
                        || !value.chars().allMatch(c -> c == '\t' || c >= 0x20 && c <= 0xff && c != 0x7f)) {
                    throw new ConfigurationException(
                            shown,
                            json.get() + ": header '" + k
                                    + "' has an invalid name, or a line break, control or non-Latin-1 character in its value");
                }
                headers.put(k, value);
            }
            LOG.log(
                    Level.INFO,
                    "{0}: sending headers {1} to {2} from setting {3}",
                    shown,
                    headers.keySet(),
                    host,
                    json.get());
        } else {
            LOG.log(
                    Level.INFO,
                    "{0}: no extra headers for {1} (no setting ''{2}'' in {3})",
                    shown,
                    host,
                    name,
                    settings.description());
        }
        headersByHost.put(host, Map.copyOf(headers));
        return headersByHost.get(host);
    }

    /** What was sent to the origin of {@code u}, for the message of a refused request; never a value. */
    String credentialsUsed(URI u) throws ConfigurationException {
        String host = HttpText.hostKey(u.getHost());
        String name = host + HEADERS_SUFFIX;
        Map<String, String> sent = headersByHost.getOrDefault(host, Map.of());
        if (!mayCarryCredentials(u)) {
            return "no headers were sent (a redirect went from https to plain http)";
        }
        if (!headersBelongTo(u)) {
            return "no headers were sent to " + HttpText.origin(u) + " (those of setting '" + name + "' go to "
                    + originByHost.get(host) + " only)";
        }
        if (sent.isEmpty()) {
            return "no headers configured for " + host + " (setting '" + name + "', a JSON object, in "
                    + settings.description() + ")"
                    + (userInfo != null ? "; sent the URL's user name and password" : "");
        }
        return "sent headers " + sent.keySet() + " from setting " + settings.describe(name);
    }
}
