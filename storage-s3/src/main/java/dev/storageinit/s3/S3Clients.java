package dev.storageinit.s3;

import dev.storageinit.ConfigurationException;
import dev.storageinit.spi.support.TrustBundles;
import java.net.URI;
import javax.net.ssl.TrustManager;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the SDK client for a set of {@link S3Settings}. */
final class S3Clients {
    private S3Clients() {}

    /** The client and what must be closed with it. */
    record Built(S3Client s3, SdkHttpClient http, AwsCredentialsProvider credentials, DirectGets direct)
            implements AutoCloseable {
        @Override
        public void close() {
            s3.close();
            http.close();
            if (credentials instanceof AutoCloseable) {
                try {
                    ((AutoCloseable) credentials).close();
                } catch (Exception e) {
                    // nothing useful to do
                }
            }
        }
    }

    static Built build(S3Settings settings, String shownUri, int concurrency) throws ConfigurationException {
        // the extra CA bundles only matter for https: a plain-http endpoint does not pay for parsing them
        boolean https = settings.endpoint == null || "https".equalsIgnoreCase(settings.endpoint.getScheme());
        TrustManager[] trust = settings.caBundles.isEmpty() || !settings.verifySsl || !https
                ? null
                : TrustBundles.trustManagers(shownUri, settings.caBundles, "AWS_CA_BUNDLE or CA_BUNDLE_CONFIGMAP_NAME");
        int pool = Math.max(concurrency, 1) + 4; // the engine's workers plus the listing thread and a margin
        UrlConnections.Opener opener = UrlConnections.opener(settings, trust, pool);
        SdkHttpClient http = UrlConnections.client(settings, trust, opener);
        AwsCredentialsProvider credentials = credentials(settings);
        DirectGets direct = new DirectGets(http, opener, credentials);
        try {
            S3ClientBuilder b = S3Client.builder()
                    .httpClient(http)
                    .region(Region.of(settings.region))
                    .credentialsProvider(credentials)
                    .forcePathStyle(settings.pathStyle)
                    // we only send GET/HEAD/LIST and verify checksums ourselves; the SDK's defaults (WHEN_SUPPORTED)
                    // add checksum headers some S3-compatible servers reject
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    // one SDK retry by default (S3_MAX_ATTEMPTS=2): what the SDK needs to correct a skewed clock or
                    // refresh expired credentials within a call; the engine retries every failed call to the store
                    .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(settings.maxAttempts))
                            .addExecutionInterceptor(direct));
            if (settings.endpoint != null) {
                b.endpointOverride(settings.endpoint);
            }
            if (settings.accelerate) {
                b.accelerate(true);
            }
            if (settings.isAws() && settings.endpoint == null && !settings.regionExplicit) {
                b.crossRegionAccessEnabled(true); // no region given: follow the bucket's region
            }
            return new Built(b.build(), http, credentials, direct);
        } catch (RuntimeException e) {
            http.close();
            throw new ConfigurationException(
                    shownUri, "cannot build the S3 client (" + settings.describe() + "): " + e.getMessage(), e);
        }
    }

    static AwsCredentialsProvider credentials(S3Settings s) {
        switch (s.credentialsMode) {
            case STATIC:
                return StaticCredentialsProvider.create(
                        s.sessionToken == null
                                ? AwsBasicCredentials.create(s.accessKeyId, s.secretAccessKey)
                                : AwsSessionCredentials.create(s.accessKeyId, s.secretAccessKey, s.sessionToken));
            case ANONYMOUS:
                return AnonymousCredentialsProvider.create();
            case WEB_IDENTITY:
                WebIdentityTokenFileCredentialsProvider.Builder w = WebIdentityTokenFileCredentialsProvider.builder()
                        .roleArn(s.roleArn)
                        .webIdentityTokenFile(s.webIdentityTokenFile);
                if (s.roleSessionName != null) {
                    w.roleSessionName(s.roleSessionName);
                }
                return w.build();
            case PROFILE:
                return ProfileCredentialsProvider.builder()
                        .profileName(s.profile)
                        .build();
            case DEFAULT_CHAIN:
            default:
                return DefaultCredentialsProvider.builder().build();
        }
    }

    static String endpointText(URI endpoint) {
        return endpoint == null ? "AWS" : endpoint.toString();
    }
}
