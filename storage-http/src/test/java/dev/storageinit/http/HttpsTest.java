package dev.storageinit.http;

import static dev.storageinit.http.HttpProviderTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with a private CA: a self-signed certificate made with the JDK's keytool, served by the JDK's HttpsServer
 * on 127.0.0.1, trusted only through KServe's {@code CA_BUNDLE_CONFIGMAP_NAME} + {@code cabundle.crt}; and a
 * redirect from https to plain http that must not carry the per-host headers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsTest {
    @TempDir
    static Path temp;

    private Path certs;
    private HttpFixture https;
    private HttpFixture http;

    @BeforeAll
    void start() throws Exception {
        Path keystore = temp.resolve("server.p12");
        certs = Files.createDirectories(temp.resolve("certs"));
        keytool(
                "-genkeypair",
                "-alias",
                "srv",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "san=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "srv",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-file",
                certs.resolve("cabundle.crt").toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        https = new HttpFixture(tls);
        http = new HttpFixture();
    }

    private static void keytool(String... args) throws Exception {
        Path tool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = new java.util.ArrayList<>(List.of(tool.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("the JDK's keytool (" + tool + ") is needed to make a test certificate: " + out);
        }
    }

    @AfterAll
    void stop() {
        if (https != null) {
            https.close();
        }
        if (http != null) {
            http.close();
        }
    }

    private void download(String url, Path dest, Map<String, String> settings) throws StorageException {
        try (Storage s = Storage.builder().concurrency(4).build()) {
            s.download(DownloadRequest.builder(url, dest)
                    .settings(CredentialSource.of(settings))
                    .build());
        }
    }

    private Map<String, String> trusting() {
        return Map.of("CA_BUNDLE_CONFIGMAP_NAME", "custom-certs", "CA_BUNDLE_VOLUME_MOUNT_POINT", certs.toString());
    }

    @Test
    void anUntrustedCertificateIsAClearNonRetryableError() {
        https.put("/files/a.bin", bytes(100, 1));
        assertThatThrownBy(() -> download(https.url("/files/a.bin"), temp.resolve("untrusted"), Map.of()))
                .isInstanceOf(dev.storageinit.ConfigurationException.class) // the trust settings have to change
                .hasMessageContaining("TLS failed")
                .hasMessageContaining("CA_BUNDLE_CONFIGMAP_NAME")
                .satisfies(e -> assertThat(((StorageException) e).isRetryable()).isFalse());
    }

    @Test
    void theKServeCaBundleIsTrusted() throws Exception {
        https.put("/files/b.bin", bytes(300_000, 2));
        Path dest = temp.resolve("trusted");
        download(https.url("/files/b.bin"), dest, trusting());
        assertThat(Files.readAllBytes(dest.resolve("b.bin"))).isEqualTo(bytes(300_000, 2));
    }

    @Test
    void aRedirectFromHttpsToPlainHttpCarriesNoHeaders() throws Exception {
        http.put("/plain/c.bin", bytes(1000, 3));
        https.redirect("/files/c.bin", http.url("/plain/c.bin")); // same host name, plain http
        Map<String, String> settings = new java.util.HashMap<>(trusting());
        settings.put("127.0.0.1-headers", "{\"Authorization\": \"Bearer s3cret\"}");
        Path dest = temp.resolve("downgrade");
        download(https.url("/files/c.bin"), dest, settings);
        assertThat(Files.readAllBytes(dest.resolve("c.bin"))).isEqualTo(bytes(1000, 3));
        assertThat(https.requests())
                .filteredOn(r -> r.rawPath().equals("/files/c.bin"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer s3cret"));
        assertThat(http.requests())
                .filteredOn(r -> r.rawPath().equals("/plain/c.bin"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.header("Authorization")).isNull());
    }

    @Test
    void aMissingCaBundleIsAConfigurationError() {
        https.put("/files/d.bin", bytes(10, 4));
        assertThatThrownBy(() -> download(
                        https.url("/files/d.bin"),
                        temp.resolve("nobundle"),
                        Map.of(
                                "CA_BUNDLE_CONFIGMAP_NAME",
                                "x",
                                "CA_BUNDLE_VOLUME_MOUNT_POINT",
                                temp.resolve("none").toString())))
                .isInstanceOf(dev.storageinit.ConfigurationException.class)
                .hasMessageContaining("cabundle.crt");
    }
}
