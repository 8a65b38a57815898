package dev.storageinit.gcs;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.Credentials;
import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.storageinit.ConfigurationException;
import dev.storageinit.ModelUri;
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

/** Builds the google-cloud-storage client for a {@link GcsSettings}. The only class that touches Google's auth. */
final class GcsClients {
    static final int CONNECT_TIMEOUT_MS = 20_000;

    private GcsClients() {}

    /**
     * What a source needs: the JSON-API client (listing, metadata), the credentials (also for the media reads the
     * source makes itself) and the socket factory that trusts the CA bundle (null: the JDK default).
     */
    static final class Clients {
        final Storage storage;
        /** Null for anonymous access. */
        final Credentials credentials;

        final SSLSocketFactory sslSocketFactory;

        Clients(Storage storage, Credentials credentials, SSLSocketFactory sslSocketFactory) {
            this.storage = storage;
            this.credentials = credentials;
            this.sslSocketFactory = sslSocketFactory;
        }
    }

    /** A JSON-API client on {@code settings.endpoint}, its credentials, and the TLS trust to use beside it. */
    static Clients create(ModelUri uri, GcsSettings settings) throws ConfigurationException {
        SSLSocketFactory ssl =
                settings.caBundle == null ? null : sslContext(uri, settings).getSocketFactory();
        NetHttpTransport.Builder tb = new NetHttpTransport.Builder();
        if (ssl != null) {
            tb.setSslSocketFactory(ssl);
        }
        HttpTransport shared = tb.build();
        HttpTransportFactory transport = () -> shared;
        int readMillis = millis(settings.readTimeout);
        Credentials credentials = credentials(uri, settings, transport);
        StorageOptions.Builder b = StorageOptions.http()
                .setHost(settings.endpoint)
                .setCredentials(credentials)
                // never let the client look a project up on the network (metadata server probes cost seconds)
                .setProjectId(settings.projectId != null ? settings.projectId : projectOf(credentials))
                .setTransportOptions(HttpTransportOptions.newBuilder()
                        .setHttpTransportFactory(transport)
                        .setConnectTimeout(CONNECT_TIMEOUT_MS)
                        .setReadTimeout(readMillis)
                        .build())
                // the engine retries every failed call (page, stat, range); the client makes one attempt, and
                // refreshes an expired token within it (its credentials adapter answers a 401, not its retries)
                .setRetrySettings(RetrySettings.newBuilder()
                        .setMaxAttempts(1)
                        .setInitialRetryDelayDuration(Duration.ofMillis(200))
                        .setRetryDelayMultiplier(2.0)
                        .setMaxRetryDelayDuration(Duration.ofSeconds(5))
                        .setTotalTimeoutDuration(Duration.ofSeconds(120))
                        .setInitialRpcTimeoutDuration(settings.readTimeout)
                        .setMaxRpcTimeoutDuration(settings.readTimeout)
                        .setRpcTimeoutMultiplier(1.0)
                        .build());
        try {
            StorageOptions options = b.build();
            // the scoped credentials the client itself uses (an unscoped service account would sign self-issued
            // JWTs instead of asking the token endpoint); null for anonymous
            Credentials scoped = credentials instanceof NoCredentials ? null : options.getScopedCredentials();
            return new Clients(options.getService(), scoped, ssl);
        } catch (RuntimeException e) {
            throw new ConfigurationException(
                    uri.redacted(), "cannot create the GCS client for " + settings.endpoint + ": " + e.getMessage(), e);
        }
    }

    /** {@code d} in whole milliseconds for a socket timeout, at least 1 (0 would mean none). */
    static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    private static String projectOf(Credentials credentials) {
        if (credentials instanceof ServiceAccountCredentials) {
            String p = ((ServiceAccountCredentials) credentials).getProjectId();
            if (p != null) {
                return p;
            }
        }
        return "storage-initializer"; // reads need no project; any non-null value stops the lookup
    }

    static Credentials credentials(ModelUri uri, GcsSettings settings, HttpTransportFactory transport)
            throws ConfigurationException {
        String shown = uri.redacted();
        switch (settings.auth) {
            case ANONYMOUS:
                return NoCredentials.getInstance();
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
        Map<String, Object> parsed;
        byte[] bytes;
        try {
            bytes = json.readAllBytes();
            parsed = com.google.api.client.json.gson.GsonFactory.getDefaultInstance()
                    .createJsonParser(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8)
                    .parseAndClose(com.google.api.client.json.GenericJson.class);
        } catch (IOException | RuntimeException e) {
            // the parser's message may quote the file's content: never pass it on
            throw new ConfigurationException(shown, what + " is not valid JSON", null);
        }
        Object type = parsed == null ? null : parsed.get("type");
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
