package dev.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.utils.AttributeMap;

/** HTTPS s3proxy with a self-signed certificate made by the test (keytool from the running JDK). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3TlsTest {
    private static final String BUCKET = "tls-bucket";
    private static final byte[] WEIGHTS = S3ProviderTest.bytes(2 << 20, 42);

    private Path certDir;
    private Path pem;
    private S3ProxyServer server;

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws Exception {
        certDir = Files.createTempDirectory("s3-tls");
        Path keystore = certDir.resolve("server.p12");
        pem = certDir.resolve("server.pem");
        keytool(
                "-genkeypair",
                "-alias",
                "s3proxy",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "s3proxy",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-file",
                pem.toString());
        server = S3ProxyServer.start(keystore, "changeit");
        // the admin client trusts everything: it only seeds the bucket
        try (var admin = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(java.net.URI.create(server.endpoint()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true)
                .requestChecksumCalculation(
                        software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                                S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL)))
                .httpClient(UrlConnectionHttpClient.builder()
                        .buildWithDefaults(AttributeMap.builder()
                                .put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE)
                                .build()))
                .build()) {
            admin.createBucket(b -> b.bucket(BUCKET));
            admin.putObject(b -> b.bucket(BUCKET).key("m/config.json"), RequestBody.fromString("{}"));
            admin.putObject(b -> b.bucket(BUCKET).key("m/w.bin"), RequestBody.fromBytes(WEIGHTS));
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        try (var walk = Files.walk(certDir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed (is the JDK's keytool present?): " + out);
        }
    }

    private Map<String, String> env() {
        Map<String, String> env = S3Fixture.kserveEnv(server);
        env.put("S3_MAX_ATTEMPTS", "1");
        return env;
    }

    private void download(Map<String, String> env, Path dest) throws StorageException {
        try (Storage s = Storage.builder().concurrency(4).build()) {
            s.download(DownloadRequest.builder("s3://" + BUCKET + "/m", dest)
                    .settings(CredentialSource.of(env))
                    .build());
        }
    }

    private void assertDownloaded(Path dest) throws Exception {
        assertThat(Files.readString(dest.resolve("config.json"))).isEqualTo("{}");
        assertThat(Files.readAllBytes(dest.resolve("w.bin"))).isEqualTo(WEIGHTS);
    }

    @Test
    void worksWithAwsCaBundle() throws Exception {
        Map<String, String> env = env();
        env.put("AWS_CA_BUNDLE", pem.toString());
        download(env, temp.resolve("bundle"));
        assertDownloaded(temp.resolve("bundle"));
    }

    @Test
    void failsCleanlyWithoutTheBundle() {
        Path dest = temp.resolve("untrusted");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> download(env(), dest))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("s3://" + BUCKET + "/m: TLS connection to " + server.endpoint())
                .hasMessageContaining("AWS_CA_BUNDLE");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(20);
    }

    @Test
    void worksWithTheClusterCaBundle() throws Exception {
        Path mount = Files.createDirectories(temp.resolve("custom-certs"));
        Files.copy(pem, mount.resolve("cabundle.crt"));
        Map<String, String> env = env();
        env.put("CA_BUNDLE_CONFIGMAP_NAME", "odh-trusted-ca-bundle");
        env.put("CA_BUNDLE_VOLUME_MOUNT_POINT", mount.toString());
        download(env, temp.resolve("cluster"));
        assertDownloaded(temp.resolve("cluster"));
    }

    @Test
    void bundleWithCommentsAndSeveralCertificates() throws Exception {
        Path bundle = temp.resolve("bundle.pem");
        String cert = Files.readString(pem);
        Files.writeString(bundle, "# corporate bundle\nsubject=CN=127.0.0.1\n" + cert + "\n\n" + cert);
        Map<String, String> env = env();
        env.put("AWS_CA_BUNDLE", bundle.toString());
        download(env, temp.resolve("multi"));
        assertDownloaded(temp.resolve("multi"));
    }

    @Test
    void verifySslOffTrustsAnyCertificate() throws Exception {
        Map<String, String> env = env();
        env.put("S3_VERIFY_SSL", "0");
        download(env, temp.resolve("noverify"));
        assertDownloaded(temp.resolve("noverify"));
    }

    @Test
    void missingCaBundleFileIsAConfigurationErrorNamingTheFile() {
        Map<String, String> env = env();
        env.put("AWS_CA_BUNDLE", temp.resolve("nope/ca.pem").toString());
        assertThatThrownBy(() -> download(env, temp.resolve("missing")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(temp.resolve("nope/ca.pem").toString())
                .hasMessageContaining("AWS_CA_BUNDLE");
        Map<String, String> cluster = new HashMap<>(env());
        cluster.put("CA_BUNDLE_CONFIGMAP_NAME", "x");
        cluster.put("CA_BUNDLE_VOLUME_MOUNT_POINT", temp.resolve("absent").toString());
        assertThatThrownBy(() -> download(cluster, temp.resolve("missing2")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(temp.resolve("absent/cabundle.crt").toString());
    }
}
