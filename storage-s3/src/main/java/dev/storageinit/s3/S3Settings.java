package dev.storageinit.s3;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.support.RcloneRemote;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import dev.storageinit.spi.support.TrustBundles;
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

    // Set once by from(); never changed after.
    RcloneRemote remote; // the rclone remote of type s3 the scheme names, or null
    boolean rcloneRemote; // RCLONE_CONFIG_<REMOTE>_TYPE=s3 present
    String bucket;
    String key;

    CredentialsMode credentialsMode;
    String credentialsSource; // e.g. "RCLONE_CONFIG_S3_ACCESS_KEY_ID/_SECRET_ACCESS_KEY (environment)"
    String accessKeyId;
    String secretAccessKey;
    String sessionToken;
    String roleArn;
    String roleSessionName;
    Path webIdentityTokenFile;
    String profile;

    URI endpoint; // null: AWS
    String endpointSource;
    String region;
    String regionSource;
    boolean regionExplicit;
    boolean pathStyle;
    boolean accelerate;
    boolean verifySsl = true;
    List<Path> caBundles = new ArrayList<>(); // extra PEM files trusted besides the JDK's trust store
    Duration connectTimeout;
    Duration readTimeout;
    int maxAttempts;

    private S3Settings() {}

    /** True when talking to AWS itself (no endpoint, or an amazonaws.com one). */
    boolean isAws() {
        return endpoint == null || isAwsHost(endpoint);
    }

    private static boolean isAwsHost(URI endpoint) {
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

    /** Parses the settings for {@code uri}. */
    static S3Settings from(ModelUri uri, CredentialSource settings) throws ConfigurationException {
        Settings in = Settings.of(settings, uri.redacted());
        S3Settings s = new S3Settings();
        s.bucket = uri.authority();
        s.key = uri.path();
        s.remote = RcloneRemote.ofType(uri, in, S3Provider.RCLONE_TYPES).orElse(null);
        s.rcloneRemote = s.remote != null;
        s.credentials(in);
        s.endpoint(in);
        s.region(in);
        s.addressing(in);
        s.tls(in);
        s.tuning(in);
        s.caBundles = List.copyOf(s.caBundles);
        return s;
    }

    /** The remote's {@code option} when the scheme is an rclone remote of type s3, else empty. */
    private Optional<Setting> rc(Settings in, String option) throws ConfigurationException {
        return remote == null ? Optional.empty() : remote.get(in, option);
    }

    private void credentials(Settings in) throws ConfigurationException {
        if (remote != null) {
            Optional<Setting> id = rc(in, "ACCESS_KEY_ID");
            Optional<Setting> secret = rc(in, "SECRET_ACCESS_KEY");
            if (id.isPresent() || secret.isPresent()) {
                if (id.isEmpty() || secret.isEmpty()) {
                    throw new ConfigurationException(
                            in.uri(),
                            "rclone remote '" + remote.name() + "' sets only one of " + remote.variable("ACCESS_KEY_ID")
                                    + " and " + remote.variable("SECRET_ACCESS_KEY"));
                }
                staticKeys(id.get(), secret.get(), rc(in, "SESSION_TOKEN"));
                return;
            }
            Optional<Setting> envAuth = rc(in, "ENV_AUTH");
            if (envAuth.isEmpty() || !envAuth.get().flag()) {
                // rclone's rule: no keys and env_auth off means unsigned (public bucket) access
                credentialsMode = CredentialsMode.ANONYMOUS;
                credentialsSource = "anonymous (rclone remote '" + remote.name() + "' has no ACCESS_KEY_ID and "
                        + "ENV_AUTH is not true; " + in.description() + ")";
                return;
            }
        }
        Optional<Setting> anonymous = in.get("awsAnonymousCredential");
        if (anonymous.isPresent() && anonymous.get().flag()) {
            credentialsMode = CredentialsMode.ANONYMOUS;
            credentialsSource = "anonymous (" + anonymous.get() + ")";
            return;
        }
        Optional<Setting> id = in.get("AWS_ACCESS_KEY_ID");
        Optional<Setting> secret = in.get("AWS_SECRET_ACCESS_KEY");
        if (id.isPresent() && secret.isPresent()) {
            staticKeys(id.get(), secret.get(), in.get("AWS_SESSION_TOKEN"));
            return;
        }
        if (id.isPresent() != secret.isPresent()) {
            throw new ConfigurationException(
                    in.uri(),
                    "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set (" + in.description() + ")");
        }
        Optional<Setting> role = in.get("AWS_ROLE_ARN");
        Optional<Path> tokenFile = in.path("AWS_WEB_IDENTITY_TOKEN_FILE");
        if (role.isPresent() && tokenFile.isPresent()) {
            credentialsMode = CredentialsMode.WEB_IDENTITY;
            roleArn = role.get().value();
            webIdentityTokenFile = tokenFile.get();
            roleSessionName = in.string("AWS_ROLE_SESSION_NAME").orElse(null);
            credentialsSource =
                    "web identity (" + role.get() + " + AWS_WEB_IDENTITY_TOKEN_FILE " + webIdentityTokenFile + ")";
            return;
        }
        Optional<Setting> prof = in.get("AWS_PROFILE");
        if (prof.isPresent()) {
            credentialsMode = CredentialsMode.PROFILE;
            profile = prof.get().value();
            credentialsSource = "profile '" + profile + "' (" + prof.get() + ")";
            return;
        }
        credentialsMode = CredentialsMode.DEFAULT_CHAIN;
        credentialsSource = "the AWS SDK default chain (process environment, system properties, web identity, "
                + "profile, container, instance metadata; nothing explicit in " + in.description() + ")";
    }

    private void staticKeys(Setting id, Setting secret, Optional<Setting> token) {
        credentialsMode = CredentialsMode.STATIC;
        accessKeyId = id.value();
        secretAccessKey = secret.value();
        sessionToken = token.map(Setting::value).orElse(null);
        credentialsSource = id.name() + "/" + secret.name() + " (" + id.origin() + ")"
                + (sessionToken != null ? " with a session token" : "");
    }

    private void endpoint(Settings in) throws ConfigurationException {
        Optional<Setting> chosen = rc(in, "ENDPOINT");
        if (chosen.isEmpty()) {
            chosen = in.firstOf("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "S3_ENDPOINT");
        }
        if (chosen.isEmpty()) {
            return;
        }
        String raw = chosen.get().value();
        endpointSource = chosen.get().toString();
        if (chosen.get().name().equals("S3_ENDPOINT")) {
            Optional<Setting> https = in.get("S3_USE_HTTPS");
            if (!raw.contains("://")) {
                raw = (https.isEmpty() || https.get().flag() ? "https://" : "http://") + raw;
            }
            endpointSource += https.isPresent() ? " + S3_USE_HTTPS" : "";
        }
        if (!raw.contains("://")) {
            raw = "https://" + raw; // rclone's rule for an endpoint without scheme
        }
        try {
            URI u = new URI(raw);
            if (u.getHost() == null
                    || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))) {
                throw new URISyntaxException(raw, "expected http(s)://host[:port]");
            }
            endpoint = u;
        } catch (URISyntaxException e) {
            throw new ConfigurationException(
                    in.uri(), "endpoint from " + endpointSource + " is not an http(s)://host[:port] URL", e);
        }
    }

    private void region(Settings in) throws ConfigurationException {
        Optional<Setting> r = rc(in, "REGION");
        if (r.isEmpty()) {
            r = in.firstOf("AWS_REGION", "AWS_DEFAULT_REGION");
        }
        // rclone users write "other-v2-signature" or leave "us-east-1"; any non-AWS name is passed on for signing
        region = r.map(Setting::value).orElse(DEFAULT_REGION);
        regionSource = r.map(Setting::toString).orElse("default");
        regionExplicit = r.isPresent();
    }

    private void addressing(Settings in) throws ConfigurationException {
        pathStyle = endpoint != null && !isAwsHost(endpoint); // path-style by default for a custom endpoint
        Optional<Setting> forcePathStyle = rc(in, "FORCE_PATH_STYLE");
        if (forcePathStyle.isPresent()) {
            pathStyle = forcePathStyle.get().flag();
        } else {
            pathStyle = !in.flag("S3_USER_VIRTUAL_BUCKET", !pathStyle);
        }
        accelerate = in.flag("S3_USE_ACCELERATE", false);
    }

    private void tls(Settings in) throws ConfigurationException {
        verifySsl = in.flag("S3_VERIFY_SSL", true);
        Optional<Setting> bundle = in.get("AWS_CA_BUNDLE");
        if (bundle.isPresent()) {
            Path p = bundle.get().path();
            if (!Files.isReadable(p)) {
                throw new ConfigurationException(
                        in.uri(),
                        "the CA bundle " + p + " named by " + bundle.get() + " does not exist or is not readable");
            }
            caBundles.add(p);
        }
        Optional<Path> cluster = TrustBundles.clusterBundle(in);
        if (cluster.isPresent()) {
            Path p = cluster.get();
            if (!Files.isReadable(p)) {
                throw new ConfigurationException(
                        in.uri(),
                        "the cluster CA bundle " + p + " (" + TrustBundles.CONFIGMAP_NAME + " is set, mounted at "
                                + TrustBundles.VOLUME_MOUNT_POINT + ") does not exist or is not readable");
            }
            if (!caBundles.contains(p)) {
                caBundles.add(p);
            }
        }
    }

    private void tuning(Settings in) throws ConfigurationException {
        connectTimeout = in.seconds("S3_CONNECT_TIMEOUT", Duration.ofSeconds(15));
        readTimeout = in.readTimeout("S3_READ_TIMEOUT", Duration.ofSeconds(30));
        maxAttempts = in.positiveInt("S3_MAX_ATTEMPTS", 2);
    }
}
