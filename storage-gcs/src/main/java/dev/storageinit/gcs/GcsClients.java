package dev.storageinit.gcs;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.Credentials;
import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import dev.storageinit.ConfigurationException;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.support.Json;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.TrustBundles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/** The credentials and TLS trust a {@link GcsSettings} asks for. The only class that touches Google's auth. */
final class GcsClients {
    static final int CONNECT_TIMEOUT_MS = 20_000;

    /** What a listing, a metadata request and a media read need; the credentials are scoped to it. */
    static final String READ_ONLY_SCOPE = "https://www.googleapis.com/auth/devstorage.read_only";

    private GcsClients() {}

    /**
     * What a source needs: the credentials (null for anonymous access) and the socket factory that trusts the CA
     * bundle (null: the JDK default).
     */
    record Clients(Credentials credentials, SSLSocketFactory sslSocketFactory) {}

    /** The credentials for {@code settings} (scoped to reading), and the TLS trust to use beside them. */
    static Clients create(ModelUri uri, GcsSettings settings) throws ConfigurationException {
        SSLSocketFactory ssl =
                settings.caBundle == null ? null : sslContext(uri, settings).getSocketFactory();
        NetHttpTransport.Builder tb = new NetHttpTransport.Builder();
        if (ssl != null) {
            tb.setSslSocketFactory(ssl);
        }
        HttpTransport shared = tb.build();
        Credentials credentials = credentials(uri, settings, () -> shared);
        if (credentials instanceof GoogleCredentials google && google.createScopedRequired()) {
            // a service account asks the token endpoint for a token of this scope (unscoped, it would sign
            // self-issued JWTs instead)
            credentials = google.createScoped(List.of(READ_ONLY_SCOPE));
        }
        return new Clients(credentials, ssl);
    }

    /** {@code d} in whole milliseconds for a socket timeout, at least 1 (0 would mean none). */
    static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    static Credentials credentials(ModelUri uri, GcsSettings settings, HttpTransportFactory transport)
            throws ConfigurationException {
        String shown = uri.redacted();
        switch (settings.auth) {
            case ANONYMOUS:
                return null;
            case ACCESS_TOKEN:
                return new StaticToken(new AccessToken(settings.secret().trim(), null));
            case CREDENTIALS_JSON:
                return fromJson(
                        shown,
                        new ByteArrayInputStream(settings.secret().getBytes(StandardCharsets.UTF_8)),
                        settings.credentialSource,
                        transport);
            case CREDENTIALS_FILE: {
                byte[] content;
                try {
                    content = Files.readAllBytes(settings.credentialsFile);
                    Redactor.secret(new String(content, StandardCharsets.UTF_8));
                } catch (NoSuchFileException e) {
                    throw new ConfigurationException(
                            shown,
                            "credentials file " + settings.credentialsFile + " does not exist ("
                                    + settings.credentialSource + ")",
                            null);
                } catch (IOException e) {
                    throw new ConfigurationException(
                            shown,
                            "cannot read credentials file " + settings.credentialsFile + " ("
                                    + settings.credentialSource + "): " + e,
                            null);
                }
                return fromJson(
                        shown,
                        new ByteArrayInputStream(content),
                        "credentials file " + settings.credentialsFile,
                        transport);
            }
            case APPLICATION_DEFAULT:
                try {
                    return GoogleCredentials.getApplicationDefault(transport);
                } catch (IOException | RuntimeException e) {
                    throw new ConfigurationException(
                            shown,
                            "no application default credentials found (" + settings.credentialSource + "): "
                                    + e.getMessage(),
                            null);
                }
            default:
                throw new AssertionError(settings.auth);
        }
    }

    /**
     * A fixed access token. "Refreshing" gives the same token, so that a refused token ends as the store's 401
     * (access denied) rather than as the auth library's "cannot refresh" error.
     */
    static final class StaticToken extends GoogleCredentials {
        private static final long serialVersionUID = 1L;
        private final AccessToken token;

        StaticToken(AccessToken token) {
            super(GoogleCredentials.newBuilder().setAccessToken(token));
            this.token = token;
        }

        @Override
        public AccessToken refreshAccessToken() {
            return token;
        }

        @Override
        public String toString() {
            return "StaticToken[***]";
        }
    }

    private static Credentials fromJson(String shown, InputStream json, String what, HttpTransportFactory transport)
            throws ConfigurationException {
        Object parsed;
        byte[] bytes;
        try {
            bytes = json.readAllBytes();
            parsed = Json.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            // the parser's message may quote the file's content: never pass it on
            throw new ConfigurationException(shown, what + " is not valid JSON", null);
        }
        Object type = parsed instanceof Map<?, ?> object ? object.get("type") : null;
        if (!(type instanceof String)) {
            throw new ConfigurationException(
                    shown,
                    what + " has no \"type\" field; expected a Google credentials "
                            + "JSON such as a service-account key (\"type\": \"service_account\")",
                    null);
        }
        try {
            if ("service_account".equals(type)) {
                return ServiceAccountCredentials.fromStream(new ByteArrayInputStream(bytes), transport);
            }
            return GoogleCredentials.fromStream(new ByteArrayInputStream(bytes), transport);
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException(
                    shown, what + " is not usable as " + type + " credentials: " + safeMessage(e), null);
        }
    }

    /** The auth library's messages name missing fields; they do not quote key material, but stay short anyway. */
    private static String safeMessage(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replaceAll("-----BEGIN[^-]*-----[\\s\\S]*", "<key material>");
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }

    private static SSLContext sslContext(ModelUri uri, GcsSettings settings) throws ConfigurationException {
        return TrustBundles.trustingDefaultsAnd(
                uri.redacted(), List.of(settings.caBundle), TrustBundles.CONFIGMAP_NAME + " is set");
    }
}
