package dev.storageinit.gcs;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

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
    static final String GOOGLE_CLOUD_PROJECT = "GOOGLE_CLOUD_PROJECT";
    static final String CA_BUNDLE_CONFIGMAP_NAME = "CA_BUNDLE_CONFIGMAP_NAME";
    static final String CA_BUNDLE_VOLUME_MOUNT_POINT = "CA_BUNDLE_VOLUME_MOUNT_POINT";
    static final String DEFAULT_CA_MOUNT = "/etc/ssl/custom-certs";
    static final String DEFAULT_ENDPOINT = "https://storage.googleapis.com";

    /** How the client authenticates. */
    enum Auth {
        ANONYMOUS, CREDENTIALS_FILE, CREDENTIALS_JSON, ACCESS_TOKEN, APPLICATION_DEFAULT
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
    /** Project id to give the client (never looked up on the network); may be null. */
    final String projectId;

    private GcsSettings(Auth auth, Path credentialsFile, String secret, String credentialSource, String endpoint,
            String endpointSource, Path caBundle, String projectId) {
        this.auth = auth;
        this.credentialsFile = credentialsFile;
        this.secret = secret;
        this.credentialSource = credentialSource;
        this.endpoint = endpoint;
        this.endpointSource = endpointSource;
        this.caBundle = caBundle;
        this.projectId = projectId;
    }

    /** The secret (inline JSON or token); only for building the client. */
    String secret() {
        return secret;
    }

    /** {@code RCLONE_CONFIG_<REMOTE>_} for a scheme: upper case, anything but letters and digits as '_'. */
    static String rclonePrefix(String scheme) {
        return "RCLONE_CONFIG_" + scheme.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_";
    }

    /** rclone's type names for GCS. */
    static boolean isGcsType(String type) {
        String t = type.trim().toLowerCase(Locale.ROOT);
        return t.equals("google cloud storage") || t.equals("gcs") || t.equals("googlecloudstorage");
    }

    static boolean isTrue(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        return v.equals("true") || v.equals("1") || v.equals("yes") || v.equals("on");
    }

    static GcsSettings parse(ModelUri uri, CredentialSource s) throws ConfigurationException {
        String rc = rclonePrefix(uri.scheme());
        String shown = uri.redacted();

        Auth auth;
        Path file = null;
        String secret = null;
        String source;
        Optional<String> v;
        if ((v = get(s, shown, rc + "SERVICE_ACCOUNT_CREDENTIALS")).isPresent()) {
            auth = Auth.CREDENTIALS_JSON;
            secret = v.get();
            source = "service-account JSON in " + where(s, rc + "SERVICE_ACCOUNT_CREDENTIALS");
        } else if ((v = get(s, shown, rc + "SERVICE_ACCOUNT_FILE")).isPresent()) {
            auth = Auth.CREDENTIALS_FILE;
            file = path(v.get());
            source = "service-account file " + file + " (" + where(s, rc + "SERVICE_ACCOUNT_FILE") + ")";
        } else if ((v = get(s, shown, rc + "ACCESS_TOKEN")).isPresent()) {
            auth = Auth.ACCESS_TOKEN;
            secret = v.get();
            source = "access token in " + where(s, rc + "ACCESS_TOKEN");
        } else if (get(s, shown, rc + "ANONYMOUS").map(GcsSettings::isTrue).orElse(false)) {
            auth = Auth.ANONYMOUS;
            source = "anonymous (" + where(s, rc + "ANONYMOUS") + "=true)";
        } else if (get(s, shown, rc + "ENV_AUTH").map(GcsSettings::isTrue).orElse(false)) {
            auth = Auth.APPLICATION_DEFAULT;
            source = "application default credentials (" + where(s, rc + "ENV_AUTH") + "=true)";
        } else if ((v = get(s, shown, GOOGLE_APPLICATION_CREDENTIALS)).isPresent()) {
            auth = Auth.CREDENTIALS_FILE;
            file = path(v.get());
            source = "credentials file " + file + " (" + where(s, GOOGLE_APPLICATION_CREDENTIALS) + ")";
        } else if (get(s, shown, GCS_APPLICATION_DEFAULT_CREDENTIALS).map(GcsSettings::isTrue).orElse(false)) {
            auth = Auth.APPLICATION_DEFAULT;
            source = "application default credentials (" + where(s, GCS_APPLICATION_DEFAULT_CREDENTIALS) + "=true)";
        } else {
            auth = Auth.ANONYMOUS;
            source = "anonymous (no " + GOOGLE_APPLICATION_CREDENTIALS + " or " + rc
                    + "* credentials in " + s.description() + ")";
        }

        String endpoint;
        String endpointSource;
        if ((v = get(s, shown, GCS_ENDPOINT)).isPresent()) {
            endpoint = v.get();
            endpointSource = where(s, GCS_ENDPOINT);
        } else if ((v = get(s, shown, rc + "ENDPOINT")).isPresent()) {
            endpoint = v.get();
            endpointSource = where(s, rc + "ENDPOINT");
        } else if ((v = get(s, shown, STORAGE_EMULATOR_HOST)).isPresent()) {
            endpoint = v.get();
            endpointSource = where(s, STORAGE_EMULATOR_HOST);
        } else {
            endpoint = DEFAULT_ENDPOINT;
            endpointSource = "default";
        }
        endpoint = normaliseEndpoint(shown, endpoint.trim(), endpointSource);

        Path ca = null;
        if (get(s, shown, CA_BUNDLE_CONFIGMAP_NAME).isPresent()) {
            String mount = get(s, shown, CA_BUNDLE_VOLUME_MOUNT_POINT).orElse(DEFAULT_CA_MOUNT);
            ca = Path.of(mount).resolve("cabundle.crt");
        }
        String project = get(s, shown, GOOGLE_CLOUD_PROJECT).orElse(null);
        return new GcsSettings(auth, file, secret, source, endpoint, endpointSource, ca, project);
    }

    private static String normaliseEndpoint(String shown, String endpoint, String from)
            throws ConfigurationException {
        String e = endpoint;
        if (!e.contains("://")) {
            e = "http://" + e;
        }
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        if (!e.matches("(?i)https?://[^/\\s?#]+(/[^\\s?#]*)?")) {
            throw new ConfigurationException(shown, "GCS endpoint '" + endpoint + "' (" + from
                    + ") is not of the form [http[s]://]host[:port]");
        }
        return e;
    }

    private static Path path(String value) {
        String v = value.trim();
        if (v.startsWith("~/")) {
            v = System.getProperty("user.home") + v.substring(1);
        }
        return Path.of(v);
    }

    private static Optional<String> get(CredentialSource s, String shown, String name) throws ConfigurationException {
        try {
            return s.get(name);
        } catch (RuntimeException e) {
            throw new ConfigurationException(shown, "cannot read setting " + name + " from " + s.description() + ": "
                    + e.getMessage(), e);
        }
    }

    private static String where(CredentialSource s, String name) {
        return name + " from " + s.describe(name);
    }

    /** Names the sources only; never a secret. */
    @Override
    public String toString() {
        return "GcsSettings[credentials=" + credentialSource + ", endpoint=" + endpoint + " (" + endpointSource + ")"
                + (caBundle == null ? "" : ", caBundle=" + caBundle) + "]";
    }
}
