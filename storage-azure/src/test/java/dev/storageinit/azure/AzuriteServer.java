package dev.storageinit.azure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Azurite blob server for the whole test JVM, from {@code storage-azure/azurite/node_modules} (installed by
 * {@code npm ci --prefix storage-azure/azurite}), on 127.0.0.1 and a free port, data in a temp directory. Fails
 * (never skips) with a message saying what is missing when it cannot start.
 */
final class AzuriteServer {
    static final String ACCOUNT = "devstoreaccount1";
    static final String KEY = AzureAuth.EMULATOR_KEY;
    private static final String INSTALL =
            "run `npm ci --prefix storage-azure/azurite` from the repository root " + "(needs Node.js and npm)";
    private static AzuriteServer instance;

    final int port;
    private final Process process;
    private final Path dir;

    private AzuriteServer(int port, Process process, Path dir) {
        this.port = port;
        this.process = process;
        this.dir = dir;
    }

    /** The blob service URL, path-style: {@code http://127.0.0.1:PORT/devstoreaccount1}. */
    String endpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY + ";BlobEndpoint="
                + endpoint() + ";";
    }

    static synchronized AzuriteServer get() {
        if (instance == null) {
            instance = start();
            AzuriteServer s = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "azurite-stop"));
        }
        return instance;
    }

    private static AzuriteServer start() {
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
            Process p;
            try {
                p = new ProcessBuilder(List.of(
                                bin.toString(),
                                "--blobHost",
                                "127.0.0.1",
                                "--blobPort",
                                String.valueOf(port),
                                "--location",
                                dir.resolve("data").toString(),
                                "--skipApiVersionCheck",
                                "--loose",
                                "--disableTelemetry"))
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
                    return new AzuriteServer(port, p, dir);
                } catch (IOException notYet) {
                    sleep(100);
                }
            }
            p.destroyForcibly();
            last = new AssertionError("Azurite did not start on port " + port + ": " + tail(log));
        }
        throw last;
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
