package dev.storageinit.s3;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every setting the S3 provider uses, read once from a {@link CredentialSource} with the precedence documented in
 * the module's README: for an rclone remote ({@code RCLONE_CONFIG_<REMOTE>_TYPE=s3}) the remote's own fields come
 * first, then KServe's {@code AWS_*} / {@code S3_*} variables, then the defaults. Holds secrets: never printed.
 */
final class S3Settings {

    /** How requests are signed. */
    enum CredentialsMode {
        /** Access key + secret (+ session token) given explicitly. */
        STATIC,
        /** Unsigned requests (public buckets). */
        ANONYMOUS,
        /** STS AssumeRoleWithWebIdentity from AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE given in the settings. */
        WEB_IDENTITY,
        /** A named profile (AWS_PROFILE given in the settings). */
        PROFILE,
        /** The SDK's default chain: process environment, system properties, web identity, profiles, ECS, IMDS. */
        DEFAULT_CHAIN
    }

    static final String DEFAULT_REGION = "us-east-1";
    static final String DEFAULT_CA_MOUNT = "/etc/ssl/custom-certs";

    final String remote;              // upper-case remote name, e.g. S3 or MINIO
    final boolean rcloneRemote;       // RCLONE_CONFIG_<REMOTE>_TYPE=s3 present
    final String bucket;
    final String key;

    final CredentialsMode credentialsMode;
    final String credentialsSource;   // e.g. "RCLONE_CONFIG_S3_ACCESS_KEY_ID/_SECRET_ACCESS_KEY (environment)"
    final String accessKeyId;
    final String secretAccessKey;
    final String sessionToken;
    final String roleArn;
    final String roleSessionName;
    final Path webIdentityTokenFile;
    final String profile;

    final URI endpoint;               // null: AWS
    final String endpointSource;
    final String region;
    final String regionSource;
    final boolean regionExplicit;
    final boolean pathStyle;
    final boolean accelerate;
    final boolean verifySsl;
    final List<Path> caBundles;       // extra PEM files trusted besides the JDK's trust store
    final Duration connectTimeout;
    final Duration readTimeout;
    final int maxAttempts;

    private S3Settings(Builder b) {
        remote = b.remote;
        rcloneRemote = b.rcloneRemote;
        bucket = b.bucket;
        key = b.key;
        credentialsMode = b.credentialsMode;
        credentialsSource = b.credentialsSource;
        accessKeyId = b.accessKeyId;
        secretAccessKey = b.secretAccessKey;
        sessionToken = b.sessionToken;
        roleArn = b.roleArn;
        roleSessionName = b.roleSessionName;
        webIdentityTokenFile = b.webIdentityTokenFile;
        profile = b.profile;
        endpoint = b.endpoint;
        endpointSource = b.endpointSource;
        region = b.region;
        regionSource = b.regionSource;
        regionExplicit = b.regionExplicit;
        pathStyle = b.pathStyle;
        accelerate = b.accelerate;
        verifySsl = b.verifySsl;
        caBundles = List.copyOf(b.caBundles);
        connectTimeout = b.connectTimeout;
        readTimeout = b.readTimeout;
        maxAttempts = b.maxAttempts;
    }

    /** True when talking to AWS itself (no endpoint, or an amazonaws.com one). */
    boolean isAws() {
        if (endpoint == null) {
            return true;
        }
        String host = endpoint.getHost() == null ? "" : endpoint.getHost().toLowerCase(Locale.ROOT);
        return host.endsWith(".amazonaws.com") || host.endsWith(".amazonaws.com.cn");
    }

    /** One line for logs and messages: where each setting came from, never a secret. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("credentials: ").append(credentialsSource);
        sb.append("; endpoint: ").append(endpoint == null ? "AWS" : endpoint + " (" + endpointSource + ")");
        sb.append("; region: ").append(region).append(" (").append(regionSource).append(')');
        sb.append(pathStyle ? "; path-style" : "; virtual-hosted");
        if (accelerate) {
            sb.append("; accelerate");
        }
        if (!verifySsl) {
            sb.append("; TLS verification OFF (S3_VERIFY_SSL)");
        }
        if (!caBundles.isEmpty()) {
            sb.append("; extra CA bundles ").append(caBundles);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "S3Settings[" + describe() + "]";
    }

    /** The upper-case rclone remote name for a URI scheme: {@code minio} -> {@code MINIO}, {@code my-s3} -> {@code MY_S3}. */
    static String remoteName(String scheme) {
        StringBuilder sb = new StringBuilder();
        for (char c : scheme.toCharArray()) {
            sb.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return sb.toString();
    }

    /** Whether {@code settings} declare the URI's scheme an rclone remote of type s3. */
    static boolean isRcloneS3Remote(String scheme, CredentialSource settings) {
        return settings.get("RCLONE_CONFIG_" + remoteName(scheme) + "_TYPE")
                .map(t -> t.trim().equalsIgnoreCase("s3"))
                .orElse(false);
    }

    static boolean truthy(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        return s.equals("1") || s.equals("true") || s.equals("yes") || s.equals("on");
    }

    static boolean falsy(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        return s.equals("0") || s.equals("false") || s.equals("no") || s.equals("off");
    }

    /** Parses the settings for {@code uri}. */
    static S3Settings from(ModelUri uri, CredentialSource s) throws ConfigurationException {
        return new Builder(uri, s).build();
    }

    private static final class Builder {
        final ModelUri uri;
        final CredentialSource s;
        final String shown;
        final String remote;
        final String rc;  // "RCLONE_CONFIG_<REMOTE>_"
        final boolean rcloneRemote;
        String bucket;
        String key;
        CredentialsMode credentialsMode;
        String credentialsSource;
        String accessKeyId;
        String secretAccessKey;
        String sessionToken;
        String roleArn;
        String roleSessionName;
        Path webIdentityTokenFile;
        String profile;
        URI endpoint;
        String endpointSource;
        String region;
        String regionSource;
        boolean regionExplicit;
        boolean pathStyle;
        boolean accelerate;
        boolean verifySsl = true;
        final List<Path> caBundles = new ArrayList<>();
        Duration connectTimeout;
        Duration readTimeout;
        int maxAttempts;

        Builder(ModelUri uri, CredentialSource s) {
            this.uri = uri;
            this.s = s;
            this.shown = uri.redacted();
            this.remote = remoteName(uri.scheme());
            this.rc = "RCLONE_CONFIG_" + remote + "_";
            this.rcloneRemote = isRcloneS3Remote(uri.scheme(), s);
        }

        private Optional<String> get(String name) {
            return s.get(name).map(String::trim).filter(v -> !v.isEmpty());
        }

        /** "NAME (where)". */
        private String from(String name) {
            return name + " (" + s.describe(name) + ")";
        }

        S3Settings build() throws ConfigurationException {
            bucket = uri.authority();
            key = uri.path();
            credentials();
            endpoint();
            region();
            addressing();
            tls();
            tuning();
            return new S3Settings(this);
        }

        private void credentials() throws ConfigurationException {
            if (rcloneRemote) {
                Optional<String> id = get(rc + "ACCESS_KEY_ID");
                Optional<String> secret = get(rc + "SECRET_ACCESS_KEY");
                if (id.isPresent() || secret.isPresent()) {
                    if (id.isEmpty() || secret.isEmpty()) {
                        throw new ConfigurationException(shown, "rclone remote '" + remote.toLowerCase(Locale.ROOT)
                                + "' sets only one of " + rc + "ACCESS_KEY_ID and " + rc + "SECRET_ACCESS_KEY");
                    }
                    staticKeys(id.get(), secret.get(), get(rc + "SESSION_TOKEN").orElse(null),
                            rc + "ACCESS_KEY_ID/" + rc + "SECRET_ACCESS_KEY (" + s.describe(rc + "ACCESS_KEY_ID") + ")");
                    return;
                }
                boolean envAuth = get(rc + "ENV_AUTH").map(S3Settings::truthy).orElse(false);
                if (!envAuth) {
                    // rclone's rule: no keys and env_auth off means unsigned (public bucket) access
                    credentialsMode = CredentialsMode.ANONYMOUS;
                    credentialsSource = "anonymous (rclone remote '" + remote.toLowerCase(Locale.ROOT)
                            + "' has no ACCESS_KEY_ID and ENV_AUTH is not true; " + s.description() + ")";
                    return;
                }
            }
            if (get("awsAnonymousCredential").map(S3Settings::truthy).orElse(false)) {
                credentialsMode = CredentialsMode.ANONYMOUS;
                credentialsSource = "anonymous (" + from("awsAnonymousCredential") + ")";
                return;
            }
            Optional<String> id = get("AWS_ACCESS_KEY_ID");
            Optional<String> secret = get("AWS_SECRET_ACCESS_KEY");
            if (id.isPresent() && secret.isPresent()) {
                staticKeys(id.get(), secret.get(), get("AWS_SESSION_TOKEN").orElse(null),
                        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (" + s.describe("AWS_ACCESS_KEY_ID") + ")");
                return;
            }
            if (id.isPresent() != secret.isPresent()) {
                throw new ConfigurationException(shown,
                        "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set (" + s.description() + ")");
            }
            Optional<String> role = get("AWS_ROLE_ARN");
            Optional<String> tokenFile = get("AWS_WEB_IDENTITY_TOKEN_FILE");
            if (role.isPresent() && tokenFile.isPresent()) {
                credentialsMode = CredentialsMode.WEB_IDENTITY;
                roleArn = role.get();
                webIdentityTokenFile = Path.of(tokenFile.get());
                roleSessionName = get("AWS_ROLE_SESSION_NAME").orElse(null);
                credentialsSource = "web identity (" + from("AWS_ROLE_ARN") + " + AWS_WEB_IDENTITY_TOKEN_FILE "
                        + webIdentityTokenFile + ")";
                return;
            }
            Optional<String> prof = get("AWS_PROFILE");
            if (prof.isPresent()) {
                credentialsMode = CredentialsMode.PROFILE;
                profile = prof.get();
                credentialsSource = "profile '" + profile + "' (" + from("AWS_PROFILE") + ")";
                return;
            }
            credentialsMode = CredentialsMode.DEFAULT_CHAIN;
            credentialsSource = "the AWS SDK default chain (process environment, system properties, web identity, "
                    + "profile, container, instance metadata; nothing explicit in " + s.description() + ")";
        }

        private void staticKeys(String id, String secret, String token, String source) {
            credentialsMode = CredentialsMode.STATIC;
            accessKeyId = id;
            secretAccessKey = secret;
            sessionToken = token;
            credentialsSource = source + (token != null ? " with a session token" : "");
        }

        private void endpoint() throws ConfigurationException {
            String raw = null;
            if (rcloneRemote && get(rc + "ENDPOINT").isPresent()) {
                raw = get(rc + "ENDPOINT").get();
                endpointSource = from(rc + "ENDPOINT");
            } else if (get("AWS_ENDPOINT_URL_S3").isPresent()) {
                raw = get("AWS_ENDPOINT_URL_S3").get();
                endpointSource = from("AWS_ENDPOINT_URL_S3");
            } else if (get("AWS_ENDPOINT_URL").isPresent()) {
                raw = get("AWS_ENDPOINT_URL").get();
                endpointSource = from("AWS_ENDPOINT_URL");
            } else if (get("S3_ENDPOINT").isPresent()) {
                raw = get("S3_ENDPOINT").get();
                if (!raw.contains("://")) {
                    boolean https = get("S3_USE_HTTPS").map(v -> !falsy(v)).orElse(true);
                    raw = (https ? "https://" : "http://") + raw;
                }
                endpointSource = from("S3_ENDPOINT") + (get("S3_USE_HTTPS").isPresent() ? " + S3_USE_HTTPS" : "");
            }
            if (raw == null) {
                return;
            }
            if (!raw.contains("://")) {
                raw = "https://" + raw; // rclone's rule for an endpoint without scheme
            }
            try {
                URI u = new URI(raw);
                if (u.getHost() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))) {
                    throw new URISyntaxException(raw, "expected http(s)://host[:port]");
                }
                endpoint = u;
            } catch (URISyntaxException e) {
                throw new ConfigurationException(shown, "endpoint from " + endpointSource
                        + " is not an http(s)://host[:port] URL", e);
            }
        }

        private void region() {
            Optional<String> r;
            if (rcloneRemote && (r = get(rc + "REGION")).isPresent()) {
                setRegion(r.get(), from(rc + "REGION"));
            } else if ((r = get("AWS_REGION")).isPresent()) {
                setRegion(r.get(), from("AWS_REGION"));
            } else if ((r = get("AWS_DEFAULT_REGION")).isPresent()) {
                setRegion(r.get(), from("AWS_DEFAULT_REGION"));
            } else {
                region = DEFAULT_REGION;
                regionSource = "default";
            }
        }

        private void setRegion(String r, String source) {
            // rclone users write "other-v2-signature" or leave "us-east-1"; any non-AWS name is passed on for signing
            region = r;
            regionSource = source;
            regionExplicit = true;
        }

        private void addressing() {
            pathStyle = endpoint != null && !isAwsHost(); // path-style by default for a custom endpoint
            Optional<String> v;
            if (rcloneRemote && (v = get(rc + "FORCE_PATH_STYLE")).isPresent()) {
                pathStyle = truthy(v.get());
            } else if ((v = get("S3_USER_VIRTUAL_BUCKET")).isPresent()) {
                pathStyle = !truthy(v.get());
            }
            accelerate = get("S3_USE_ACCELERATE").map(S3Settings::truthy).orElse(false);
        }

        private boolean isAwsHost() {
            String host = endpoint.getHost().toLowerCase(Locale.ROOT);
            return host.endsWith(".amazonaws.com") || host.endsWith(".amazonaws.com.cn");
        }

        private void tls() throws ConfigurationException {
            verifySsl = get("S3_VERIFY_SSL").map(v -> !falsy(v)).orElse(true);
            Optional<String> bundle = get("AWS_CA_BUNDLE");
            if (bundle.isPresent()) {
                Path p = Path.of(bundle.get());
                if (!Files.isReadable(p)) {
                    throw new ConfigurationException(shown, "the CA bundle " + p + " named by " + from("AWS_CA_BUNDLE")
                            + " does not exist or is not readable");
                }
                caBundles.add(p);
            }
            if (get("CA_BUNDLE_CONFIGMAP_NAME").isPresent()) {
                Path p = Path.of(get("CA_BUNDLE_VOLUME_MOUNT_POINT").orElse(DEFAULT_CA_MOUNT), "cabundle.crt");
                if (!Files.isReadable(p)) {
                    throw new ConfigurationException(shown, "the cluster CA bundle " + p + " (CA_BUNDLE_CONFIGMAP_NAME is set"
                            + ", mounted at CA_BUNDLE_VOLUME_MOUNT_POINT) does not exist or is not readable");
                }
                if (!caBundles.contains(p)) {
                    caBundles.add(p);
                }
            }
        }

        private void tuning() throws ConfigurationException {
            connectTimeout = Duration.ofMillis(seconds("S3_CONNECT_TIMEOUT", 15));
            readTimeout = Duration.ofMillis(seconds("S3_READ_TIMEOUT", 30));
            String attempts = get("S3_MAX_ATTEMPTS").orElse("3");
            try {
                maxAttempts = Integer.parseInt(attempts);
            } catch (NumberFormatException e) {
                maxAttempts = -1;
            }
            if (maxAttempts < 1) {
                throw new ConfigurationException(shown, "S3_MAX_ATTEMPTS must be a whole number >= 1, got '" + attempts + "'");
            }
        }

        private long seconds(String name, long dflt) throws ConfigurationException {
            Optional<String> v = get(name);
            if (v.isEmpty()) {
                return dflt * 1000;
            }
            try {
                double d = Double.parseDouble(v.get());
                if (!(d > 0) || Double.isInfinite(d)) {
                    throw new NumberFormatException();
                }
                return Math.max(1, Math.round(d * 1000));
            } catch (NumberFormatException e) {
                throw new ConfigurationException(shown, name + " must be a positive number of seconds, got '" + v.get() + "'");
            }
        }
    }
}
