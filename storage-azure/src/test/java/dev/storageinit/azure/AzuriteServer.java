package dev.storageinit.azure;

import com.azure.core.http.HttpClient;
import dev.storageinit.ConfigurationException;
import dev.storageinit.spi.http.JdkHttp;
import dev.storageinit.spi.support.TrustBundles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Azurite blob servers of the test JVM, from {@code storage-azure/azurite/node_modules} (installed by
 * {@code npm ci --prefix storage-azure/azurite}), each on 127.0.0.1 and a free port, data in a temp directory:
 * {@link #get()} over plain http, {@link #withOAuth()} over https (a certificate made with the JDK's keytool,
 * trusted through {@code CA_BUNDLE_CONFIGMAP_NAME}) with {@code --oauth basic}, which accepts bearer tokens whose
 * issuer, audience and lifetime look right. Fails (never skips) with a message saying what is missing when one
 * cannot start. {@link #sdkHttp()} is the azure-core client the fixtures write with.
 */
final class AzuriteServer {
    static final String ACCOUNT = "devstoreaccount1";
    static final String KEY = AzureAuthResolver.EMULATOR_KEY;
    private static final String INSTALL =
            "run `npm ci --prefix storage-azure/azurite` from the repository root " + "(needs Node.js and npm)";
    private static final String STORE_PASSWORD = "changeit";
    private static AzuriteServer plain;
    private static AzuriteServer oauth;

    final int port;
    private final Process process;
    private final Path dir;
    /** For https: the directory holding {@code cabundle.crt}; null for http. */
    private final Path caDir;

    private final HttpClient sdkHttp;

    private AzuriteServer(int port, Process process, Path dir, Path caDir) {
        this.port = port;
        this.process = process;
        this.dir = dir;
        this.caDir = caDir;
        try {
            this.sdkHttp = new JdkAzureHttpClient(
                    JdkHttp.create(
                            16,
                            Duration.ofSeconds(15),
                            caDir == null
                                    ? null
                                    : TrustBundles.trustingDefaultsAnd(
                                            "azurite", List.of(caDir.resolve("cabundle.crt")), "the test CA")),
                    Duration.ofSeconds(60));
        } catch (ConfigurationException e) {
            throw new AssertionError(e);
        }
    }

    /** The blob service URL, path-style: {@code http://127.0.0.1:PORT/devstoreaccount1} (https for OAuth). */
    String endpoint() {
        return (caDir == null ? "http" : "https") + "://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    String connectionString() {
        return "DefaultEndpointsProtocol=" + (caDir == null ? "http" : "https") + ";AccountName=" + ACCOUNT
                + ";AccountKey=" + KEY + ";BlobEndpoint=" + endpoint() + ";";
    }

    /** The settings that make the provider trust this server's certificate (none for http). */
    Map<String, String> trust() {
        return caDir == null
                ? Map.of()
                : Map.of(TrustBundles.CONFIGMAP_NAME, "azurite-ca", TrustBundles.VOLUME_MOUNT_POINT, caDir.toString());
    }

    /** azure-core's HTTP client for the fixtures' SDK clients, trusting this server. */
    HttpClient sdkHttp() {
        return sdkHttp;
    }

    /** The plain-http server. */
    static synchronized AzuriteServer get() {
        if (plain == null) {
            plain = started(false);
        }
        return plain;
    }

    /** The https server with OAuth (bearer tokens) enabled. */
    static synchronized AzuriteServer withOAuth() {
        if (oauth == null) {
            oauth = started(true);
        }
        return oauth;
    }

    private static AzuriteServer started(boolean https) {
        AzuriteServer s = start(https);
        Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "azurite-stop"));
        return s;
    }

    private static AzuriteServer start(boolean https) {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath();
        Path bin = module.resolve("azurite/node_modules/.bin/azurite-blob");
        if (!Files.isRegularFile(bin)) {
            throw new AssertionError("Azurite is not installed (" + bin + " is missing): " + INSTALL);
        }
        try {
            Process node = new ProcessBuilder("node", "--version")
                    .redirectErrorStream(true)
                    .start();
            node.getInputStream().readAllBytes();
            if (!node.waitFor(20, TimeUnit.SECONDS) || node.exitValue() != 0) {
                throw new AssertionError("`node --version` failed: Azurite needs Node.js on the PATH; " + INSTALL);
            }
        } catch (IOException e) {
            throw new AssertionError(
                    "Node.js is not on the PATH (needed to run Azurite): " + e.getMessage() + "; " + INSTALL, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        AssertionError last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path dir;
            try {
                dir = Files.createTempDirectory("azurite-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int port = freePort();
            Path log = dir.resolve("azurite.log");
            List<String> cmd = new ArrayList<>(List.of(
                    bin.toString(),
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    String.valueOf(port),
                    "--location",
                    dir.resolve("data").toString(),
                    "--skipApiVersionCheck",
                    "--loose",
                    "--disableTelemetry"));
            Path caDir = https ? certificate(dir, cmd) : null;
            Process p;
            try {
                p = new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
            } catch (IOException e) {
                throw new AssertionError("cannot start " + bin + ": " + e.getMessage() + "; " + INSTALL, e);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return new AzuriteServer(port, p, dir, caDir);
                } catch (IOException notYet) {
                    sleep(100);
                }
            }
            p.destroyForcibly();
            last = new AssertionError("Azurite did not start on port " + port + ": " + tail(log));
        }
        throw last;
    }

    /**
     * A self-signed certificate for 127.0.0.1 made with the JDK's keytool: the PKCS#12 store goes to Azurite
     * ({@code --cert}, {@code --pwd}), the certificate to {@code ca/cabundle.crt}; the directory is returned.
     */
    private static Path certificate(Path dir, List<String> cmd) {
        Path store = dir.resolve("server.p12");
        Path ca = dir.resolve("ca");
        try {
            Files.createDirectories(ca);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keytool(
                "-genkeypair",
                "-alias",
                "azurite",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "san=ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                STORE_PASSWORD,
                "-keypass",
                STORE_PASSWORD);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "azurite",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                STORE_PASSWORD,
                "-file",
                ca.resolve("cabundle.crt").toString());
        cmd.addAll(List.of("--oauth", "basic", "--cert", store.toString(), "--pwd", STORE_PASSWORD));
        return ca;
    }

    private static void keytool(String... args) {
        Path tool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = new ArrayList<>(List.of(tool.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("the JDK's keytool (" + tool + ") is needed for a test certificate: " + out);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + tool + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
