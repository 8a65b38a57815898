package dev.storageinit.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * s3proxy ({@code org.gaul:s3proxy} jar-with-dependencies, copied into {@code target/s3proxy} by the build) run as a
 * child java process on 127.0.0.1 and a free port, filesystem backend in a temp dir, SigV4 (and V2) enforced.
 * Fails, never skips, when it cannot start.
 */
final class S3ProxyServer implements AutoCloseable {
    static final String IDENTITY = "test-access-key";
    static final String CREDENTIAL = "test-secret-key-0123456789";

    private static S3ProxyServer shared;

    final int port;
    final boolean https;
    final Path dir;
    private final Process process;
    private final Path log;

    /** One plain-HTTP server for the whole test JVM, stopped when the JVM exits. */
    static synchronized S3ProxyServer shared() throws Exception {
        if (shared == null) {
            shared = start(null, null);
            S3ProxyServer s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        }
        return shared;
    }

    /** Starts a server; with a keystore it serves HTTPS only. */
    static S3ProxyServer start(Path keystore, String keystorePassword) throws Exception {
        String jarProp = System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar");
        Path jar = Path.of(jarProp);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("s3proxy jar missing at " + jar.toAbsolutePath() + ": run the tests through"
                    + " Maven (`mvn -pl storage-s3 -am verify`), whose dependency:copy puts"
                    + " org.gaul:s3proxy:jar-with-dependencies there");
        }
        Path dir = Files.createTempDirectory("s3proxy-test");
        Path data = Files.createDirectories(dir.resolve("data"));
        int port = freePort();
        Properties p = new Properties();
        if (keystore == null) {
            p.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + port);
        } else {
            p.setProperty("s3proxy.secure-endpoint", "https://127.0.0.1:" + port);
            p.setProperty("s3proxy.keystore-path", keystore.toString());
            p.setProperty("s3proxy.keystore-password", keystorePassword);
        }
        p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        p.setProperty("s3proxy.identity", IDENTITY);
        p.setProperty("s3proxy.credential", CREDENTIAL);
        p.setProperty("jclouds.provider", "filesystem");
        p.setProperty("jclouds.filesystem.basedir", data.toString());
        Path conf = dir.resolve("s3proxy.conf");
        try (OutputStream out = Files.newOutputStream(conf)) {
            p.store(out, "test s3proxy");
        }
        Path log = dir.resolve("s3proxy.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                java,
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-jar",
                jar.toAbsolutePath().toString(),
                "--properties",
                conf.toString()));
        Process process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        S3ProxyServer server = new S3ProxyServer(port, keystore != null, dir, process, log);
        server.awaitListening();
        return server;
    }

    private S3ProxyServer(int port, boolean https, Path dir, Process process, Path log) {
        this.port = port;
        this.https = https;
        this.dir = dir;
        this.process = process;
        this.log = log;
    }

    String endpoint() {
        return (https ? "https" : "http") + "://127.0.0.1:" + port;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("s3proxy exited with " + process.exitValue() + ": " + logTail());
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                if (!https) {
                    s.setSoTimeout(5000);
                    OutputStream out = s.getOutputStream();
                    out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    InputStream in = s.getInputStream();
                    if (in.read() < 0) {
                        throw new IOException("closed");
                    }
                }
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        close();
        throw new IllegalStateException("s3proxy did not listen on 127.0.0.1:" + port + " within 60 s: " + logTail());
    }

    String logTail() {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    private static void deleteTree(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.deleteIfExists(x);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
