package dev.storageinit.s3;

import dev.storageinit.CredentialSource;
import dev.storageinit.testkit.StoreFixture;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** A bucket of its own on an s3proxy server; objects are written with a plain SDK client. */
class S3Fixture implements StoreFixture {
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    final S3ProxyServer server;
    final String bucket;
    final S3Client admin;

    S3Fixture(S3ProxyServer server) {
        this(server, "bucket-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet());
    }

    S3Fixture(S3ProxyServer server, String bucket) {
        this.server = server;
        this.bucket = bucket;
        this.admin = adminClient(server);
        admin.createBucket(b -> b.bucket(bucket));
    }

    static S3Client adminClient(S3ProxyServer server) {
        return S3Client.builder()
                .endpointOverride(URI.create(server.endpoint()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** KServe-style settings: AWS_* keys and AWS_ENDPOINT_URL. */
    static Map<String, String> kserveEnv(S3ProxyServer server) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", S3ProxyServer.IDENTITY);
        env.put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.CREDENTIAL);
        env.put("AWS_ENDPOINT_URL", server.endpoint());
        env.put("AWS_REGION", "us-east-1");
        return env;
    }

    /** Seldon/rclone-style settings for remote {@code remote}. */
    static Map<String, String> rcloneEnv(S3ProxyServer server, String remote) {
        String p = "RCLONE_CONFIG_" + remote.toUpperCase() + "_";
        Map<String, String> env = new HashMap<>();
        env.put(p + "TYPE", "s3");
        env.put(p + "PROVIDER", "Other");
        env.put(p + "ENV_AUTH", "false");
        env.put(p + "ACCESS_KEY_ID", S3ProxyServer.IDENTITY);
        env.put(p + "SECRET_ACCESS_KEY", S3ProxyServer.CREDENTIAL);
        env.put(p + "ENDPOINT", server.endpoint());
        env.put(p + "REGION", "us-east-1");
        env.put(p + "FORCE_PATH_STYLE", "true");
        return env;
    }

    @Override
    public String uri(String path) {
        return "s3://" + bucket + "/" + path;
    }

    @Override
    public CredentialSource settings() {
        return CredentialSource.of(kserveEnv(server));
    }

    /** SigV4 signs the Range header: s3proxy refuses a read whose Range a proxy dropped. */
    @Override
    public boolean rangeHeaderCanBeDropped() {
        return false;
    }

    @Override
    public OptionalInt port() {
        return OptionalInt.of(server.port);
    }

    @Override
    public CredentialSource settingsThrough(String endpoint) {
        Map<String, String> env = kserveEnv(server);
        env.put("AWS_ENDPOINT_URL", endpoint);
        return CredentialSource.of(env);
    }

    @Override
    public void put(String key, byte[] content) {
        admin.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }

    @Override
    public void put(String key, Path file) {
        admin.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
    }

    /** s3proxy's filesystem backend maps keys to files: 'a' cannot also be the folder of 'a/b' (GCS and Azure test it). */
    @Override
    public boolean canHoldFileAndFolderOnOnePath() {
        return false;
    }

    @Override
    public boolean canStore(String key) {
        // s3proxy's filesystem backend maps keys to files and refuses '..' segments
        for (String segment : key.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String missingContainerUri() {
        return "s3://no-such-bucket-" + ProcessHandle.current().pid() + "/model";
    }

    @Override
    public String wrongCredentialsVariable() {
        return "AWS_SECRET_ACCESS_KEY";
    }

    @Override
    public Optional<CredentialSource> wrongCredentials() {
        Map<String, String> env = kserveEnv(server);
        env.put("AWS_SECRET_ACCESS_KEY", "wrong-secret");
        return Optional.of(CredentialSource.of(env));
    }

    @Override
    public void close() {
        admin.close();
    }
}
