package dev.storageinit.spi.http;

import dev.storageinit.StorageException;
import java.net.URI;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Adds what authenticates a request (an {@code Authorization} header, a store's signature, per-host headers) just
 * before {@link RangedGet} sends it, redirect hops included. Credentials belong to the source's own origin (scheme,
 * host, port): {@link #sign} is called only for requests to that origin, {@link #signElsewhere} (nothing by default)
 * for requests a redirect sent to another origin, and neither for a plain-http request when the source's origin is
 * https. So a signer that only implements {@link #sign} never leaks its credentials to a redirect target.
 */
@FunctionalInterface
public interface Signer {
    /** Adds nothing. */
    Signer NONE = request -> {};

    /** Authenticates {@code request}, which goes to the source's own origin. */
    void sign(Request request) throws StorageException;

    /** Authenticates {@code request}, which a redirect sent to another origin; adds nothing by default. */
    default void signElsewhere(Request request) throws StorageException {}

    /** A request about to be sent: its method, URL and headers so far, to which a signer adds. */
    final class Request {
        private final String method;
        private final URI uri;
        private final TreeMap<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

        Request(String method, URI uri) {
            this.method = method;
            this.uri = uri;
        }

        /** {@code GET}, {@code HEAD}. */
        public String method() {
            return method;
        }

        /** The URL, as sent. */
        public URI uri() {
            return uri;
        }

        /** The value of header {@code name} (any case), if set. */
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }

        /** Every header so far, by name in case-insensitive order. */
        public NavigableMap<String, String> headers() {
            return Collections.unmodifiableNavigableMap(headers);
        }

        /** Sets header {@code name}, replacing a value it had. */
        public Request set(String name, String value) {
            headers.remove(name);
            headers.put(name, value);
            return this;
        }
    }
}
