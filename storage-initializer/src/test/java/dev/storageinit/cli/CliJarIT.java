package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the shaded jar as a process, the way an init container runs it. */
class CliJarIT {
    private static final String UNICODE_KEY = "ünïcode-模型.txt";

    @TempDir
    Path temp;

    private Jar.Run java(String... args) throws IOException, InterruptedException {
        return java(
                Map.of(
                        "STORAGE_PVC_MOUNT_ROOT",
                        Path.of(System.getProperty("examples.dir"), "volumes").toString()),
                false,
                args);
    }

    /**
     * Runs the jar in {@code temp/cwd} with {@code env} added to this JVM's environment, or, when {@code only},
     * with nothing but {@code PATH}, {@code JAVA_HOME} and {@code env} (as {@code env -i} or an image without
     * {@code LANG} would).
     */
    private Jar.Run java(Map<String, String> env, boolean only, String... args)
            throws IOException, InterruptedException {
        Jar jar = Jar.in(temp).inDirectory(temp.resolve("cwd")).withEnv(env);
        return (only ? jar.keepingOnly("PATH", "JAVA_HOME") : jar).run(args);
    }

    /** The regular files under {@code dir}, relative, without the tool's own manifest. */
    private static List<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .filter(n -> !n.startsWith(".storage"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private Path localSource(String... names) throws IOException {
        Path src = Files.createDirectories(temp.resolve("src"));
        for (String n : names) {
            Files.writeString(src.resolve(n), n);
        }
        return src;
    }

    @Test
    void downloadsTheSampleModel() throws Exception {
        Path dest = temp.resolve("models");
        Jar.Run r = java("pvc://demo-claim/sample-model", dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("done pvc://demo-claim/sample-model");
        assertThat(dest.resolve("weights/model-00001-of-00002.bin")).hasSize(65536);
    }

    @Test
    void unknownSchemeExitsFiveWithOneLine() throws Exception {
        Jar.Run r = java("nosuch://bucket/model", temp.resolve("d").toString());
        assertThat(r.code()).isEqualTo(5);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("no installed provider handles scheme 'nosuch'");
    }

    @Test
    void versionListsTheBundledProviders() throws Exception {
        Jar.Run r = java("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains("storage-initializer 0.1.0")
                .contains("pvc (file, pvc)")
                .contains("http (http, https)")
                .contains("azure (https)")
                .contains("gcs (gs)")
                .contains("s3 (s3)");
    }

    @Test
    void anEmptyDestinationIsAUsageErrorAndWritesNothing() throws Exception {
        Jar.Run r = java("pvc://demo-claim/sample-model", "");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("empty DEST_DIR for 'pvc://demo-claim/sample-model'");
        assertThat(files(temp.resolve("cwd"))).isEmpty();
    }

    @Test
    void dotAndDotDotAreNoClaimNames() throws Exception {
        Path mountRoot = Files.createDirectories(temp.resolve("outer/mnt/claim/model"));
        Files.writeString(mountRoot.resolve("ok.txt"), "ok");
        Files.writeString(temp.resolve("outer/secret.txt"), "beside the mount root");
        Map<String, String> env =
                Map.of("STORAGE_PVC_MOUNT_ROOT", temp.resolve("outer/mnt").toString());
        for (String uri : List.of("pvc://..", "pvc://.", "pvc://../secret.txt", "pvc://./claim/model")) {
            Path dest = temp.resolve("dest");
            Jar.Run r = java(env, false, uri, dest.toString());
            assertThat(r.code()).as(uri + ": " + r.err()).isEqualTo(5);
            assertThat(r.err().lines()).as(uri).hasSize(1);
            assertThat(r.err())
                    .as(uri)
                    .contains("invalid URI: " + uri + ": '")
                    .contains("' is not a volume claim name");
            assertThat(files(dest)).as(uri).isEmpty();
        }
    }

    @Test
    void aPercentEscapedClaimIsTakenAsWrittenNotAsTheParent() throws Exception {
        Path mountRoot = Files.createDirectories(temp.resolve("outer/mnt"));
        Files.createDirectories(mountRoot.resolve("%2e%2e"));
        Files.writeString(mountRoot.resolve("%2e%2e/literal.txt"), "a claim named %2e%2e");
        Files.writeString(temp.resolve("outer/secret.txt"), "beside the mount root");
        Path dest = temp.resolve("dest");
        Jar.Run r =
                java(Map.of("STORAGE_PVC_MOUNT_ROOT", mountRoot.toString()), false, "pvc://%2e%2e", dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(files(dest)).containsExactly("literal.txt");
    }

    @Test
    void withoutALocaleAUnicodeKeyIsAConfigurationErrorNamingLang() throws Exception {
        assertThat(System.getProperty("sun.jnu.encoding"))
                .as("this test JVM itself must name files in UTF-8")
                .isEqualTo("UTF-8");
        Path src = localSource(UNICODE_KEY, "plain.txt");
        Path dest = temp.resolve("dest");
        Jar.Run r = java(Map.of(), true, src.toString(), dest.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(5);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err())
                .startsWith("storage-initializer: configuration error: ")
                .contains("the JVM's file-name encoding (sun.jnu.encoding = ")
                .contains("cannot represent key '")
                .contains("LANG=C.UTF-8 or LC_ALL=C.UTF-8");
        assertThat(files(dest)).doesNotContain(UNICODE_KEY);

        Jar.Run utf8 = java(Map.of("LC_ALL", "C.UTF-8"), true, src.toString(), dest.toString());
        assertThat(utf8.code()).as(utf8.err()).isZero();
        assertThat(dest.resolve(UNICODE_KEY)).hasContent(UNICODE_KEY);
    }

    @Test
    void storageAllowPatternsThatIsNotJsonIsOneGlob() throws Exception {
        Path src = localSource("a.bin", "b1.bin", "c.bin", "a.json");
        Path dest = temp.resolve("dest");
        Jar.Run r = java(Map.of("STORAGE_ALLOW_PATTERNS", "[ab]*.bin"), false, src.toString(), dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(files(dest)).containsExactly("a.bin", "b1.bin");
    }

    @Test
    void globsAreFnmatchsOwn() throws Exception {
        Path src = localSource("[!]", "!", "^x.txt", "a.txt", "b.txt");
        Path bang = temp.resolve("bang");
        Jar.Run r = java(Map.of(), false, "--allow", "[!]", src.toString(), bang.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(files(bang)).as("an unclosed set is a literal '['").containsExactly("[!]");
        Path caret = temp.resolve("caret");
        r = java(Map.of(), false, "--allow=[^a]*", src.toString(), caret.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(files(caret)).as("'^' in a set is a member").containsExactly("^x.txt", "a.txt");
    }

    @Test
    void aJsonPatternListOfNonStringsIsExitFiveNamingTheSetting() throws Exception {
        Path src = localSource("a.bin");
        Jar.Run r = java(
                Map.of("STORAGE_IGNORE_PATTERNS", "[\"*.tmp\", 3]"),
                false,
                src.toString(),
                temp.resolve("dest").toString());
        assertThat(r.code()).as(r.err()).isEqualTo(5);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err())
                .contains("configuration error: ")
                .contains("STORAGE_IGNORE_PATTERNS (environment): element 2 of the JSON array is 3, not a string glob");
    }

    @Test
    void optionValuesFollowAnEqualsSignToo() throws Exception {
        Path dest = temp.resolve("models");
        Jar.Run r = java(
                "--concurrency=8",
                "--part-size=4",
                "--allow=*.json",
                "--ignore=tokenizer/*",
                "--link=copy",
                "pvc://demo-claim/sample-model",
                dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(files(dest)).containsExactly("config.json", "weights/index.json");
        Jar.Run flag = java(
                "--quiet=1", "pvc://demo-claim/sample-model", temp.resolve("q").toString());
        assertThat(flag.code()).isEqualTo(2);
        assertThat(flag.err().lines()).hasSize(1);
        assertThat(flag.err()).contains("--quiet takes no value, not '1'");
    }

    @Test
    void jsonLogFormatMakesEveryLineJsonTheProvidersLogsToo() throws Exception {
        com.sun.net.httpserver.HttpServer missing =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        missing.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        missing.start();
        try {
            String uri = "http://127.0.0.1:" + missing.getAddress().getPort() + "/model.bin";
            Jar.Run r = java(
                    Map.of("STORAGE_LOG_FORMAT", "json"),
                    false,
                    uri,
                    temp.resolve("d").toString());
            assertThat(r.code()).as(r.err()).isEqualTo(3);
            List<String> lines = new ArrayList<>(r.out().lines().collect(Collectors.toList()));
            lines.addAll(r.err().lines().collect(Collectors.toList()));
            assertThat(lines)
                    .as(r.out() + r.err())
                    .anyMatch(l -> l.contains("\"logger\":\"dev.storageinit"))
                    .anyMatch(l -> l.contains("\"event\":\"error\""))
                    .anyMatch(l -> l.contains("\"event\":\"summary\""))
                    .allSatisfy(l -> assertThat(dev.storageinit.spi.support.Json.parse(l))
                            .as(l)
                            .isInstanceOf(Map.class));
        } finally {
            missing.stop(0);
        }
    }
}
