package dev.storageinit.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.testkit.gcs.GcsJsonApiServer;
import dev.storageinit.testkit.gcs.ServiceAccountKeys;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture over HTTPS with a self-signed certificate (made with the JDK's keytool): trusted only through KServe's
 * CA bundle variables, for the listing, the media reads and the service-account token request alike.
 */
class GcsTlsTest {
    @TempDir
    Path temp;

    private SSLContext serverTls(Path dir) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new AssertionError("the JDK's keytool is needed to make a test certificate: " + keytool);
        }
        Path ks = dir.resolve("server.p12");
        run(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "fixture",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-keystore",
                ks.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        run(
                keytool.toString(),
                "-exportcert",
                "-rfc",
                "-alias",
                "fixture",
                "-keystore",
                ks.toString(),
                "-storepass",
                "changeit",
                "-file",
                dir.resolve("cabundle.crt").toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("keytool failed: " + List.of(command) + "\n" + out);
        }
    }

    private void download(String uri, Path dest, Map<String, String> settings) throws StorageException {
        try (Storage s = Storage.builder()
                .concurrency(4)
                .maxAttempts(2)
                .retryBackoff(Duration.ofMillis(10))
                .build()) {
            s.download(DownloadRequest.builder(uri, dest)
                    .settings(CredentialSource.of(settings))
                    .build());
        }
    }

    @Test
    void privateCaIsTrustedThroughTheCaBundleVariables() throws Exception {
        Path certs = Files.createDirectories(temp.resolve("custom-certs"));
        try (GcsJsonApiServer server = GcsJsonApiServer.startTls(serverTls(certs))) {
            server.bucket("tls-models")
                    .requireToken(true)
                    .put("m/weights.bin", "weights".getBytes(StandardCharsets.UTF_8));
            Path key = ServiceAccountKeys.trusted(server, temp, "tls@fixture-project.iam.gserviceaccount.com");
            assertThat(server.tokenUri()).startsWith("https://");

            Map<String, String> withBundle = Map.of(
                    "GCS_ENDPOINT", server.endpoint(),
                    "GOOGLE_APPLICATION_CREDENTIALS", key.toString(),
                    "CA_BUNDLE_CONFIGMAP_NAME", "cabundle",
                    "CA_BUNDLE_VOLUME_MOUNT_POINT", certs.toString());
            Path dest = temp.resolve("ok");
            download("gs://tls-models/m", dest, withBundle);
            assertThat(Files.readString(dest.resolve("weights.bin"))).isEqualTo("weights");
            assertThat(server.tokenRequests()).isPositive();

            assertThatThrownBy(() -> download(
                            "gs://tls-models/m",
                            temp.resolve("untrusted"),
                            Map.of(
                                    "GCS_ENDPOINT",
                                    server.endpoint(),
                                    "RCLONE_CONFIG_GS_ACCESS_TOKEN",
                                    "ya29.whatever")))
                    .isInstanceOf(ConfigurationException.class) // the trust settings have to change, not the network
                    .hasMessageContaining("TLS failed")
                    .hasMessageContaining("CA_BUNDLE_CONFIGMAP_NAME")
                    .satisfies(e ->
                            assertThat(((StorageException) e).isRetryable()).isFalse());

            assertThatThrownBy(() -> download(
                            "gs://tls-models/m",
                            temp.resolve("nobundle"),
                            Map.of(
                                    "GCS_ENDPOINT", server.endpoint(),
                                    "CA_BUNDLE_CONFIGMAP_NAME", "cabundle",
                                    "CA_BUNDLE_VOLUME_MOUNT_POINT",
                                            temp.resolve("nowhere").toString())))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining(
                            temp.resolve("nowhere").resolve("cabundle.crt").toString());
        }
    }
}
