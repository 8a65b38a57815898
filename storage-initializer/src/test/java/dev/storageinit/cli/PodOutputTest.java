package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.storageinit.CredentialSource;
import dev.storageinit.spi.support.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a pod's logs and status show: progress lines, the termination message, JSON logs. */
class PodOutputTest {
    private static final Path VOLUMES = Path.of(System.getProperty("user.dir"))
            .resolve("../examples/volumes")
            .normalize();
    private static final Pattern PROGRESS = Pattern.compile(
            "progress: [\\d.]+ (B|KiB|MiB) / 2\\.0 MiB \\(([\\d.]+) %\\), [\\d.]+ MB/s, ETA \\d+ s, 1 file left");
    /** Before the first byte there is no rate, so no ETA (a loaded machine can print one such line). */
    private static final Pattern NO_RATE_YET =
            Pattern.compile("progress: 0 B / 2\\.0 MiB \\(0\\.0 %\\), 0\\.0 MB/s, 1 file left");
    /** Before the listing ends, the total is unknown. */
    private static final Pattern LISTING = Pattern.compile("progress: [\\d.]+ (B|KiB|MiB) \\(listing\\), [\\d.]+ MB/s");

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private HttpServer slow;

    @AfterEach
    void stop() {
        if (slow != null) {
            slow.stop(0);
        }
    }

    private int run(Map<String, String> env, String... args) {
        out.reset();
        err.reset();
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                CredentialSource.of(env),
                false,
                temp.resolve("termination-log"));
    }

    private List<String> outLines() {
        return out.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
    }

    private List<String> errLines() {
        return err.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String line) {
        Object parsed = Json.parse(line);
        assertThat(parsed).as(line).isInstanceOf(Map.class);
        return (Map<String, Object>) parsed;
    }

    /** Serves one 2 MiB file slowly (~1.3 s), with HEAD and byte ranges, from 127.0.0.1. */
    private String slowFile() throws IOException {
        byte[] data = new byte[2 << 20];
        Arrays.fill(data, (byte) 'm');
        slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.createContext("/model.bin", exchange -> {
            int from = 0;
            int to = data.length - 1;
            String range = exchange.getRequestHeaders().getFirst("Range");
            Matcher m = range == null
                    ? null
                    : Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range);
            boolean partial = m != null && m.matches();
            if (partial) {
                from = Integer.parseInt(m.group(1));
                to = m.group(2).isEmpty() ? to : Math.min(to, Integer.parseInt(m.group(2)));
                exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
            }
            exchange.getResponseHeaders().add("Accept-Ranges", "bytes");
            int length = to - from + 1;
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Content-Length", Integer.toString(length));
                exchange.sendResponseHeaders(partial ? 206 : 200, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(partial ? 206 : 200, length);
            try (OutputStream body = exchange.getResponseBody()) {
                for (int i = from; i <= to; i += 32 << 10) {
                    body.write(data, i, Math.min(32 << 10, to + 1 - i));
                    body.flush();
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        slow.start();
        return "http://127.0.0.1:" + slow.getAddress().getPort() + "/model.bin";
    }

    @Test
    void inLogsAManyFileModelPrintsNoLinePerFileUnlessVerbose() throws Exception {
        Path src = Files.createDirectories(temp.resolve("many"));
        for (int i = 0; i < 300; i++) {
            Files.writeString(src.resolve("shard-" + i + ".json"), "{}");
        }
        assertThat(run(Map.of(), src.toString(), temp.resolve("a").toString())).isZero();
        assertThat(outLines()).hasSizeBetween(2, 4).noneMatch(l -> l.contains("fetched"));
        assertThat(outLines().get(outLines().size() - 1)).startsWith("done ").contains("300 files");
        assertThat(run(Map.of(), "--verbose", src.toString(), temp.resolve("b").toString()))
                .isZero();
        assertThat(outLines().stream().filter(l -> l.startsWith("  fetched shard-")))
                .hasSize(300);
    }

    @Test
    void progressLinesEveryIntervalWithBytesPercentRateEtaAndFilesLeft() throws Exception {
        String uri = slowFile();
        Path dest = temp.resolve("slow");
        assertThat(run(Map.of(), "--progress-interval=0.25", uri, dest.toString()))
                .as(errLines().toString())
                .isZero();
        List<String> progress =
                outLines().stream().filter(l -> l.startsWith("progress: ")).collect(Collectors.toList());
        assertThat(progress).as(outLines().toString()).allSatisfy(l -> assertThat(
                        PROGRESS.matcher(l).matches()
                                || LISTING.matcher(l).matches()
                                || NO_RATE_YET.matcher(l).matches())
                .as(l)
                .isTrue());
        assertThat(progress.stream().filter(l -> PROGRESS.matcher(l).matches())).hasSizeGreaterThanOrEqualTo(2);
        assertThat(dest.resolve("model.bin")).hasSize(2 << 20);

        assertThat(run(
                        Map.of("STORAGE_PROGRESS_INTERVAL", "0.25", "STORAGE_LOG_FORMAT", "json"),
                        uri,
                        temp.resolve("slow-json").toString()))
                .isZero();
        List<Map<String, Object>> events = outLines().stream()
                .map(PodOutputTest::json)
                .filter(e -> "progress".equals(e.get("event")))
                .collect(Collectors.toList());
        assertThat(events.stream().filter(e -> e.containsKey("totalBytes")))
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(e -> assertThat(e)
                        .containsKeys("time", "bytes", "percent", "megabytesPerSecond")
                        .containsEntry("totalBytes", 2L << 20)
                        .containsEntry("filesLeft", 1L));
        assertThat(events.stream()
                        .filter(e ->
                                e.containsKey("totalBytes") && !Long.valueOf(0).equals(e.get("bytes"))))
                .as("an ETA once bytes have come")
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(e -> assertThat(e).containsKey("etaSeconds"));

        assertThat(run(
                        Map.of("STORAGE_PROGRESS_INTERVAL", "0"),
                        uri,
                        temp.resolve("none").toString()))
                .isZero();
        assertThat(outLines()).noneMatch(l -> l.startsWith("progress"));
    }

    @Test
    void theErrorLineGoesToTheTerminationLogWhenItExists() throws Exception {
        Path log = temp.resolve("termination-log");
        String missing = temp.resolve("nothing-here").toString();
        assertThat(run(Map.of(), missing, temp.resolve("d").toString())).isEqualTo(Main.NOT_FOUND);
        assertThat(log).as("not created where the runtime made none").doesNotExist();

        Files.createFile(log);
        assertThat(run(Map.of(), missing, temp.resolve("d").toString())).isEqualTo(Main.NOT_FOUND);
        assertThat(errLines()).hasSize(1);
        assertThat(Files.readString(log)).isEqualTo(errLines().get(0)).startsWith("storage-initializer: not found: ");

        assertThat(run(
                        Map.of(),
                        "ftp://user:hunter2@host/m?sig=SECRETSIG",
                        temp.resolve("d").toString()))
                .isEqualTo(Main.INVALID);
        assertThat(Files.readString(log))
                .doesNotContain("hunter2")
                .doesNotContain("SECRETSIG")
                .contains("invalid URI");

        assertThat(run(Map.of("STORAGE_CONCURRENCY", "x"), "a", "b")).isEqualTo(Main.INVALID);
        assertThat(Files.readString(log))
                .isEqualTo(
                        "storage-initializer: configuration error: STORAGE_CONCURRENCY (settings map) must be a whole number >= 1, got 'x'");

        Files.writeString(log, "");
        assertThat(run(
                        Map.of("STORAGE_PVC_MOUNT_ROOT", VOLUMES.toString()),
                        "pvc://demo-claim/sample-model",
                        temp.resolve("ok").toString()))
                .isZero();
        assertThat(log).as("a successful run leaves it alone").hasContent("");
    }

    @Test
    void jsonLogsOneObjectALineEndingWithASummary() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("STORAGE_PVC_MOUNT_ROOT", VOLUMES.toString()));
        assertThat(run(
                        env,
                        "--log-format",
                        "json",
                        "--verbose",
                        "pvc://demo-claim/sample-model",
                        temp.resolve("m").toString()))
                .isZero();
        List<Map<String, Object>> lines =
                outLines().stream().map(PodOutputTest::json).collect(Collectors.toList());
        assertThat(lines).allSatisfy(l -> assertThat(l).containsKeys("time", "level", "event"));
        assertThat(lines.stream().filter(l -> "fetched".equals(l.get("event")))).hasSize(6);
        assertThat(lines.get(lines.size() - 2)).containsEntry("event", "done").containsEntry("files", 6L);
        assertThat(lines.get(lines.size() - 1))
                .containsEntry("event", "summary")
                .containsEntry("exit", 0L)
                .containsEntry("files", 6L)
                .containsEntry("downloads", 1L)
                .containsEntry("failed", 0L);
        assertThat(errLines()).isEmpty();

        env.put("STORAGE_LOG_FORMAT", "json");
        assertThat(run(
                        env,
                        "pvc://demo-claim/missing",
                        temp.resolve("x").toString(),
                        "ftp://user:hunter2@host/m?sig=SECRETSIG",
                        temp.resolve("y").toString()))
                .isEqualTo(Main.NOT_FOUND);
        List<Map<String, Object>> errors =
                errLines().stream().map(PodOutputTest::json).collect(Collectors.toList());
        assertThat(errors).hasSize(3);
        assertThat(errors.subList(0, 2))
                .allSatisfy(e -> assertThat(e)
                        .containsEntry("event", "error")
                        .containsEntry("level", "ERROR")
                        .containsKey("message"))
                .anySatisfy(
                        e -> assertThat(e).containsEntry("kind", "invalid URI").containsEntry("exit", 5L))
                .anySatisfy(
                        e -> assertThat(e).containsEntry("kind", "not found").containsEntry("exit", 3L));
        assertThat(errors.get(errors.size() - 1))
                .containsEntry("event", "summary")
                .containsEntry("exit", 3L);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .doesNotContain("hunter2")
                .doesNotContain("SECRETSIG");

        assertThat(run(Map.of("STORAGE_LOG_FORMAT", "yaml"), "a", "b")).isEqualTo(Main.INVALID);
        assertThat(errLines())
                .containsExactly(
                        "storage-initializer: configuration error: STORAGE_LOG_FORMAT (settings map) must be text or json, got 'yaml'");
    }

    /** Every path under {@code dir} with its size and modification time. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return Map.of();
        }
        try (var walk = Files.walk(dir)) {
            return walk.collect(Collectors.toMap(p -> dir.relativize(p).toString(), p -> {
                try {
                    return Files.isDirectory(p)
                            ? "dir"
                            : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis() + ":"
                                    + Files.readString(p, StandardCharsets.ISO_8859_1)
                                            .hashCode();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    @Test
    void dryRunListsWhatWouldBeFetchedAndWhatIsIntactWritingNothing() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("STORAGE_PVC_MOUNT_ROOT", VOLUMES.toString()));
        Path dest = temp.resolve("models");
        assertThat(run(env, "--dry-run", "pvc://demo-claim/sample-model", dest.toString()))
                .isZero();
        assertThat(outLines().stream().filter(l -> l.startsWith("  to fetch ")))
                .hasSize(6)
                .contains("  to fetch weights/model-00001-of-00002.bin (64.0 KiB)");
        assertThat(outLines().get(outLines().size() - 1))
                .isEqualTo("dry run pvc://demo-claim/sample-model -> " + dest
                        + ": would fetch 6 files, 103.3 KiB; 0 already intact; nothing written");
        assertThat(dest).as("a dry run creates nothing").doesNotExist();

        assertThat(run(env, "pvc://demo-claim/sample-model", dest.toString())).isZero();
        Files.writeString(dest.resolve("config.json"), "{\"changed\": true}");
        Map<String, String> before = snapshot(dest);
        env.put("STORAGE_DRY_RUN", "true");
        env.put("STORAGE_LOG_FORMAT", "json");
        assertThat(run(env, "pvc://demo-claim/sample-model", dest.toString())).isZero();
        List<Map<String, Object>> lines =
                outLines().stream().map(PodOutputTest::json).collect(Collectors.toList());
        assertThat(lines.stream().filter(l -> "toFetch".equals(l.get("event"))).map(l -> l.get("path")))
                .containsExactly("config.json");
        assertThat(lines.stream().filter(l -> "intact".equals(l.get("event")))).hasSize(5);
        assertThat(lines.get(lines.size() - 2))
                .containsEntry("event", "done")
                .containsEntry("dryRun", true)
                .containsEntry("files", 1L)
                .containsEntry("filesIntact", 5L);
        assertThat(lines.get(lines.size() - 1))
                .containsEntry("event", "summary")
                .containsEntry("exit", 0L);
        assertThat(snapshot(dest))
                .as("the destination, its manifest and lock untouched")
                .isEqualTo(before);
    }

    @Test
    void dryRunFailsAsADownloadWouldForMissingSourcesUnsafeKeysAndRefusedCredentials() throws Exception {
        Path dest = temp.resolve("d");
        assertThat(run(Map.of(), "--dry-run", temp.resolve("nothing").toString(), dest.toString()))
                .isEqualTo(Main.NOT_FOUND);
        assertThat(run(Map.of(), "--dry-run", "evil://bucket/model", dest.toString()))
                .isEqualTo(Main.UNSAFE);
        assertThat(errLines()).singleElement().asString().contains("refused key '../../escape.txt'");

        HttpServer refusing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        refusing.createContext("/", exchange -> {
            byte[] body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(403, "HEAD".equals(exchange.getRequestMethod()) ? -1 : body.length);
            if (!"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        refusing.start();
        try {
            assertThat(run(
                            Map.of(
                                    "AWS_ACCESS_KEY_ID",
                                    "dry-run-key",
                                    "AWS_SECRET_ACCESS_KEY",
                                    "dry-run-secret-0",
                                    "AWS_ENDPOINT_URL",
                                    "http://127.0.0.1:" + refusing.getAddress().getPort()),
                            "--dry-run",
                            "s3://models/iris",
                            dest.toString()))
                    .isEqualTo(Main.ACCESS_DENIED);
        } finally {
            refusing.stop(0);
        }
        assertThat(dest).doesNotExist();
    }
}
