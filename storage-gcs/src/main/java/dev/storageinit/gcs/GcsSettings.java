package dev.storageinit.gcs;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.support.RcloneRemote;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import dev.storageinit.spi.support.TrustBundles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The settings of one GCS source, read once from a {@link CredentialSource} by the names of the environment-variable
 * contract. Holds no Google class, so that matching and parsing cost nothing at startup; {@link GcsClients} turns it
 * into a client.
 *
 * <p>Credential precedence (the first that is set wins):
 * <ol>
 *   <li>{@code RCLONE_CONFIG_<REMOTE>_SERVICE_ACCOUNT_CREDENTIALS}: the service-account JSON itself;
 *   <li>{@code RCLONE_CONFIG_<REMOTE>_SERVICE_ACCOUNT_FILE}: a service-account JSON file;
 *   <li>{@code RCLONE_CONFIG_<REMOTE>_ACCESS_TOKEN}: an OAuth access token (not refreshed);
 *   <li>{@code RCLONE_CONFIG_<REMOTE>_ANONYMOUS=true}: anonymous;
 *   <li>{@code RCLONE_CONFIG_<REMOTE>_ENV_AUTH=true}: Google application default credentials;
 *   <li>{@code GOOGLE_APPLICATION_CREDENTIALS}: a credentials JSON file (service account, or any type Google's
 *       application-default loader accepts);
 *   <li>{@code GCS_APPLICATION_DEFAULT_CREDENTIALS=true}: application default credentials (GKE workload identity,
 *       the metadata server, gcloud's login);
 *   <li>nothing: anonymous, as KServe does (public buckets only).
 * </ol>
 * {@code <REMOTE>} is the URI scheme in upper case ({@code GS} for {@code gs://}).
 *
 * <p>Endpoint precedence: {@code GCS_ENDPOINT}, then {@code RCLONE_CONFIG_<REMOTE>_ENDPOINT}, then
 * {@code STORAGE_EMULATOR_HOST}, then {@code https://storage.googleapis.com}. A value without a scheme gets
 * {@code http://} (as the Python client does for {@code STORAGE_EMULATOR_HOST}).
 */
final class GcsSettings {
    static final String GOOGLE_APPLICATION_CREDENTIALS = "GOOGLE_APPLICATION_CREDENTIALS";
    static final String STORAGE_EMULATOR_HOST = "STORAGE_EMULATOR_HOST";
    static final String GCS_ENDPOINT = "GCS_ENDPOINT";
    static final String GCS_APPLICATION_DEFAULT_CREDENTIALS = "GCS_APPLICATION_DEFAULT_CREDENTIALS";
    static final String DEFAULT_ENDPOINT = "https://storage.googleapis.com";

    /** How the client authenticates. */
    enum Auth {
        ANONYMOUS,
        CREDENTIALS_FILE,
        CREDENTIALS_JSON,
        ACCESS_TOKEN,
        APPLICATION_DEFAULT
    }

    final Auth auth;
    /** The file for {@link Auth#CREDENTIALS_FILE}; null otherwise. Not a secret. */
    final Path credentialsFile;
    /** The JSON or token for {@link Auth#CREDENTIALS_JSON} / {@link Auth#ACCESS_TOKEN}: a secret, never printed. */
    private final String secret;
    /** Which variable chose the credentials and where it came from; safe to print. */
    final String credentialSource;
    /** Without a trailing slash. */
    final String endpoint;
    /** Which variable chose the endpoint, or "default". */
    final String endpointSource;
    /** Extra CA certificates to trust (PEM), or null. */
    final Path caBundle;
    /** How long an answer may go without a byte ({@code STORAGE_READ_TIMEOUT}, default 60 s). */
    final Duration readTimeout;

    private GcsSettings(
            Auth auth,
            Path credentialsFile,
            String secret,
            String credentialSource,
            String endpoint,
            String endpointSource,
            Path caBundle,
            Duration readTimeout) {
        this.auth = auth;
        this.credentialsFile = credentialsFile;
        this.secret = secret;
        this.credentialSource = credentialSource;
        this.endpoint = endpoint;
        this.endpointSource = endpointSource;
        this.caBundle = caBundle;
        this.readTimeout = readTimeout;
    }

    /** The secret (inline JSON or token); only for building the client. */
    String secret() {
        return secret;
    }

    /** rclone's type names for GCS. */
    static final Set<String> RCLONE_TYPES = Set.of("google cloud storage", "gcs", "googlecloudstorage");

    static GcsSettings parse(ModelUri uri, CredentialSource settings) throws ConfigurationException {
        Settings s = Settings.of(settings, uri.redacted());
        String rc = RcloneRemote.prefixOf(uri.scheme());

        Auth auth;
        Path file = null;
        String secret = null;
        String credentials;
        Optional<Setting> v;
        if ((v = s.get(rc + "SERVICE_ACCOUNT_CREDENTIALS")).isPresent()) {
            auth = Auth.CREDENTIALS_JSON;
            secret = v.get().value();
            credentials = "service-account JSON in " + v.get();
        } else if ((v = s.get(rc + "SERVICE_ACCOUNT_FILE")).isPresent()) {
            auth = Auth.CREDENTIALS_FILE;
            file = v.get().path();
            credentials = "service-account file " + file + " (" + v.get() + ")";
        } else if ((v = s.get(rc + "ACCESS_TOKEN")).isPresent()) {
            auth = Auth.ACCESS_TOKEN;
            secret = v.get().value();
            credentials = "access token in " + v.get();
        } else if ((v = s.get(rc + "ANONYMOUS")).isPresent() && v.get().flag()) {
            auth = Auth.ANONYMOUS;
            credentials = "anonymous (" + v.get() + ")";
        } else if ((v = s.get(rc + "ENV_AUTH")).isPresent() && v.get().flag()) {
            auth = Auth.APPLICATION_DEFAULT;
            credentials = "application default credentials (" + v.get() + ")";
        } else if ((v = s.get(GOOGLE_APPLICATION_CREDENTIALS)).isPresent()) {
            auth = Auth.CREDENTIALS_FILE;
            file = v.get().path();
            credentials = "credentials file " + file + " (" + v.get() + ")";
        } else if ((v = s.get(GCS_APPLICATION_DEFAULT_CREDENTIALS)).isPresent()
                && v.get().flag()) {
            auth = Auth.APPLICATION_DEFAULT;
            credentials = "application default credentials (" + v.get() + ")";
        } else {
            auth = Auth.ANONYMOUS;
            credentials = "anonymous (no " + GOOGLE_APPLICATION_CREDENTIALS + " or " + rc + "* credentials in "
                    + s.description() + ")";
        }

        Optional<Setting> ep = s.firstOf(GCS_ENDPOINT, rc + "ENDPOINT", STORAGE_EMULATOR_HOST);
        String endpointSource = ep.map(Setting::toString).orElse("default");
        String endpoint = normaliseEndpoint(s.uri(), ep.map(Setting::value).orElse(DEFAULT_ENDPOINT), endpointSource);
        Path ca = TrustBundles.clusterBundle(s).orElse(null);
        Duration readTimeout = s.readTimeout(null, Duration.ofSeconds(60));
        return new GcsSettings(auth, file, secret, credentials, endpoint, endpointSource, ca, readTimeout);
    }

    private static String normaliseEndpoint(String shown, String endpoint, String from) throws ConfigurationException {
        String e = endpoint;
        if (!e.contains("://")) {
            e = "http://" + e;
        }
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        if (!e.matches("(?i)https?://[^/\\s?#]+(/[^\\s?#]*)?")) {
            throw new ConfigurationException(
                    shown, "GCS endpoint '" + endpoint + "' (" + from + ") is not of the form [http[s]://]host[:port]");
        }
        return e;
    }

    /** Names the sources only; never a secret. */
    @Override
    public String toString() {
        return "GcsSettings[credentials=" + credentialSource + ", endpoint=" + endpoint + " (" + endpointSource + ")"
                + (caBundle == null ? "" : ", caBundle=" + caBundle) + "]";
    }
}
