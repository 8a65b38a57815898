package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.CredentialSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    private static final Path EXAMPLES =
            Path.of(System.getProperty("user.dir")).resolve("../examples").normalize();

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                CredentialSource.of(env),
                false,
                temp.resolve("termination-log"));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private Map<String, String> volumes() {
        return Map.of("STORAGE_PVC_MOUNT_ROOT", EXAMPLES.resolve("volumes").toString());
    }

    @Test
    void downloadsTheSampleModelFromAVolume() throws Exception {
        Path dest = temp.resolve("models");
        assertThat(run(volumes(), "pvc://demo-claim/sample-model", dest.toString()))
                .isZero();
        assertThat(dest.resolve("weights/model-00001-of-00002.bin")).hasSize(65536);
        assertThat(dest.resolve("config.json")).exists();
        assertThat(out()).contains("done pvc://demo-claim/sample-model").contains("6 files");
        assertThat(err()).isEmpty();
    }

    @Test
    void aLocalDirectoryPathIsASource() {
        Path dest = temp.resolve("models");
        String src = EXAMPLES.resolve("volumes/demo-claim/sample-model").toString();
        assertThat(run(Map.of(), src, dest.toString())).isZero();
        assertThat(dest.resolve("tokenizer/tokenizer.json")).exists();
    }

    @Test
    void traversalKeyIsOneLineAndExitSeven() throws Exception {
        Path outer = temp.resolve("outer");
        Path dest = outer.resolve("dest");
        assertThat(run(Map.of(), "evil://bucket/model", dest.toString())).isEqualTo(Main.UNSAFE);
        assertThat(err().lines()).hasSize(1);
        assertThat(err())
                .startsWith("storage-initializer: unsafe path: evil://bucket/model: refused key '../../escape.txt'");
        try (Stream<Path> walk = Files.walk(temp)) {
            assertThat(walk.filter(p -> p.getFileName().toString().equals("escape.txt")))
                    .isEmpty();
        }
    }

    @Test
    void unknownSchemeIsOneLineListingProviders() {
        assertThat(run(Map.of(), "ftp://host/model", temp.toString())).isEqualTo(Main.INVALID);
        assertThat(err().lines()).hasSize(1);
        assertThat(err()).contains("no installed provider handles scheme 'ftp'").contains("pvc (file, pvc)");
    }

    @Test
    void secretsInUrisAreRedacted() {
        run(Map.of(), "ftp://user:hunter2@host/model?sig=SECRETSIG&sv=2020", temp.toString());
        assertThat(err()).doesNotContain("hunter2").doesNotContain("SECRETSIG").contains("sig=***");
    }

    @Test
    void missingSourceIsNotFound() {
        String src = temp.resolve("nothing-here").toString();
        assertThat(run(Map.of(), src, temp.resolve("d").toString())).isEqualTo(Main.NOT_FOUND);
        assertThat(err()).startsWith("storage-initializer: not found: ").contains(src);
    }

    @Test
    void severalPairsRunAndOneFailureMakesTheExitNonZero() throws Exception {
        Path a = temp.resolve("a");
        Path b = temp.resolve("b");
        int code =
                run(volumes(), "pvc://demo-claim/sample-model", a.toString(), "pvc://demo-claim/missing", b.toString());
        assertThat(code).isEqualTo(Main.NOT_FOUND);
        assertThat(a.resolve("config.json")).exists();
        assertThat(err()).contains("pvc://demo-claim/missing");
    }

    @Test
    void usageErrors() {
        assertThat(run(Map.of())).isEqualTo(Main.USAGE);
        assertThat(run(Map.of(), "s3://b/m")).isEqualTo(Main.USAGE);
        assertThat(run(Map.of(), "--concurrency", "zero", "a", "b")).isEqualTo(Main.USAGE);
        assertThat(run(Map.of(), "--bogus", "a", "b")).isEqualTo(Main.USAGE);
        assertThat(err())
                .contains("--concurrency needs a positive whole number")
                .contains("unknown option --bogus");
    }

    @Test
    void everyOptionWithAValueTakesItAfterAnEqualsSignToo() throws Exception {
        CommandLine.Options o = CommandLine.parse(CredentialSource.none(), new String[] {
            "--concurrency=8",
            "--part-size=4",
            "--allow=*.json",
            "--allow",
            "*.bin",
            "--ignore=a=b",
            "--link=symlink",
            "src",
            "dest"
        });
        assertThat(o.concurrency()).isEqualTo(8);
        assertThat(o.partSize()).isEqualTo(4L << 20);
        assertThat(o.allow()).containsExactly("*.json", "*.bin");
        assertThat(o.ignore()).containsExactly("a=b");
        assertThat(o.link()).isEqualTo(dev.storageinit.LinkMode.SYMLINK);
        for (String flag : List.of("--quiet=1", "--verbose=", "--no-extract=yes", "--help=1", "--version=x")) {
            assertThatThrownBy(() -> CommandLine.parse(CredentialSource.none(), new String[] {flag, "src", "dest"}))
                    .as(flag)
                    .isInstanceOf(CommandLine.UsageException.class)
                    .hasMessageContaining("takes no value");
        }
        assertThatThrownBy(() ->
                        CommandLine.parse(CredentialSource.none(), new String[] {"--concurrency=", "src", "dest"}))
                .hasMessage("--concurrency needs a positive whole number, not ''");
        assertThatThrownBy(() -> CommandLine.parse(CredentialSource.none(), new String[] {"--bogus=1", "src", "dest"}))
                .hasMessage("unknown option --bogus");
    }

    @Test
    void everyOptionThatShapesADownloadHasAnEnvironmentTwinThatAFlagOverrides() throws Exception {
        CommandLine.Options o = CommandLine.parse(
                CredentialSource.of(Map.of(
                        "STORAGE_CONCURRENCY",
                        "3",
                        "STORAGE_PART_SIZE_MIB",
                        "2",
                        "STORAGE_LINK_MODE",
                        "hardlink",
                        "STORAGE_EXTRACT",
                        "false",
                        "STORAGE_LOG_LEVEL",
                        "verbose")),
                "src",
                "dest");
        assertThat(o.concurrency()).isEqualTo(3);
        assertThat(o.partSize()).isEqualTo(2L << 20);
        assertThat(o.link()).isEqualTo(dev.storageinit.LinkMode.HARD_LINK);
        assertThat(o.extract()).isFalse();
        assertThat(o.verbose()).isTrue();
        CommandLine.Options flags = CommandLine.parse(
                CredentialSource.of(Map.of(
                        "STORAGE_CONCURRENCY", "3", "STORAGE_LINK_MODE", "hardlink", "STORAGE_LOG_LEVEL", "verbose")),
                "--concurrency=5",
                "--link",
                "copy",
                "-q",
                "src",
                "dest");
        assertThat(flags.concurrency()).isEqualTo(5);
        assertThat(flags.link()).isEqualTo(dev.storageinit.LinkMode.COPY);
        assertThat(flags.quiet()).isTrue();
        assertThat(flags.verbose()).isFalse();
        assertThat(CommandLine.parse(
                                CredentialSource.of(Map.of("STORAGE_LOG_LEVEL", "quiet", "STORAGE_CONCURRENCY", " ")),
                                "src",
                                "dest")
                        .quiet())
                .as("quiet; a blank variable is unset")
                .isTrue();
        for (Flags.Flag f : Flags.ALL) {
            if (!f.name().equals("--help") && !f.name().equals("--version")) {
                assertThat(f.env()).as(f.name()).isNotNull();
            }
        }
    }

    @Test
    void aMalformedKServeStorageSpecIsAConfigurationErrorWithoutItsValue() throws Exception {
        Files.createFile(temp.resolve("termination-log"));
        assertThat(run(Map.of("STORAGE_CONFIG", "{\"type\": \"s3\", \"secret_access_key\": \"leak-me-9876"), "a", "b"))
                .isEqualTo(Main.INVALID);
        assertThat(err().lines())
                .containsExactly(
                        "storage-initializer: configuration error: STORAGE_CONFIG (settings map) must be a JSON"
                                + " object, as KServe's storage spec writes it; its value is not shown");
        assertThat(Files.readString(temp.resolve("termination-log")).trim()).isEqualTo(err().trim());
    }

    @Test
    void aBadTwinValueIsAConfigurationErrorNamingTheVariable() {
        assertThat(run(Map.of("STORAGE_CONCURRENCY", "many"), "a", "b")).isEqualTo(Main.INVALID);
        assertThat(run(Map.of("STORAGE_EXTRACT", "maybe"), "a", "b")).isEqualTo(Main.INVALID);
        assertThat(run(Map.of("STORAGE_LOG_LEVEL", "loud"), "a", "b")).isEqualTo(Main.INVALID);
        assertThat(err().lines())
                .containsExactly(
                        "storage-initializer: configuration error: STORAGE_CONCURRENCY (settings map) must be a whole number >= 1, got 'many'",
                        "storage-initializer: configuration error: STORAGE_EXTRACT (settings map) must be one of 1, true, yes, on or 0, false, no, off, got 'maybe'",
                        "storage-initializer: configuration error: STORAGE_LOG_LEVEL (settings map) must be quiet, error, info, verbose or debug, got 'loud'");
    }

    @Test
    void twinsDriveADownloadThroughTheCli() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(volumes());
        env.put("STORAGE_LINK_MODE", "symlink");
        env.put("STORAGE_LOG_LEVEL", "quiet");
        Path dest = temp.resolve("links");
        assertThat(run(env, "pvc://demo-claim/sample-model", dest.toString())).isZero();
        assertThat(Files.isSymbolicLink(dest.resolve("config.json"))).isTrue();
        assertThat(out()).isEmpty();

        Path archive = temp.resolve("model.zip");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(archive))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("config.json"));
            zip.closeEntry();
        }
        Path kept = temp.resolve("kept");
        assertThat(run(Map.of("STORAGE_EXTRACT", "false"), archive.toString(), kept.toString()))
                .isZero();
        assertThat(kept.resolve("model.zip")).exists();
    }

    @Test
    void helpListsEveryOptionWithItsVariable() {
        assertThat(run(Map.of(), "--help")).isZero();
        for (Flags.Flag f : Flags.ALL) {
            assertThat(out()).contains("  " + f.usage() + " ");
            if (f.env() != null) {
                assertThat(out()).contains("[" + f.env() + "]");
            }
        }
    }

    @Test
    void anEmptyDestinationIsAUsageError() {
        assertThat(run(Map.of(), "pvc://demo-claim/sample-model", "")).isEqualTo(Main.USAGE);
        assertThat(err().lines()).hasSize(1);
        assertThat(err()).contains("empty DEST_DIR for 'pvc://demo-claim/sample-model'");
    }

    @Test
    void helpAndVersion() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out()).contains("Usage: storage-initializer");
        assertThat(run(Map.of(), "--version")).isZero();
        assertThat(out())
                .contains("providers: ")
                .contains("pvc (file, pvc)")
                .contains("http (http, https)")
                .contains("hf (hf)");
    }

    @Test
    void filtersAndQuiet() throws Exception {
        Path dest = temp.resolve("f");
        assertThat(run(volumes(), "--quiet", "--allow", "*.json", "pvc://demo-claim/sample-model", dest.toString()))
                .isZero();
        assertThat(out()).isEmpty();
        try (Stream<Path> walk = Files.walk(dest)) {
            assertThat(walk.filter(Files::isRegularFile)
                            .filter(p -> !dest.relativize(p).startsWith(".storage-initializer"))
                            .map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("config.json", "tokenizer.json", "index.json");
        }
    }

    @Test
    void archivesAreExtractedUnlessAskedNotTo() throws Exception {
        Path archive = temp.resolve("model.zip");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(archive))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("model/config.json"));
            zip.write("{}".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        Path extracted = temp.resolve("x");
        assertThat(run(Map.of(), archive.toString(), extracted.toString())).isZero();
        assertThat(extracted.resolve("model/config.json")).hasContent("{}");
        assertThat(extracted.resolve("model.zip")).doesNotExist();
        Path kept = temp.resolve("k");
        assertThat(run(Map.of(), "--no-extract", archive.toString(), kept.toString()))
                .isZero();
        assertThat(kept.resolve("model.zip")).exists();
    }

    @Test
    void symlinkModeLinksIntoTheVolume() throws Exception {
        Path dest = temp.resolve("links");
        assertThat(run(volumes(), "--link", "symlink", "pvc://demo-claim/sample-model", dest.toString()))
                .isZero();
        Path link = dest.resolve("weights/model-00002-of-00002.bin");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.size(link)).isEqualTo(40000);
    }

    @Test
    void theManifestMovesOrGoesWithAnOptionAndItsVariable() throws Exception {
        Path moved = temp.resolve("moved");
        Path file = temp.resolve("state/sample.json");
        assertThat(run(volumes(), "--manifest=" + file, "pvc://demo-claim/sample-model", moved.toString()))
                .isZero();
        assertThat(Files.readString(file)).contains("\"complete\":true");
        assertThat(moved.resolve(".storage-initializer")).doesNotExist();

        Path none = temp.resolve("none");
        assertThat(run(volumes(), "--manifest", "none", "pvc://demo-claim/sample-model", none.toString()))
                .isZero();
        assertThat(none.resolve(".storage-initializer")).doesNotExist();

        Map<String, String> env = new java.util.HashMap<>(volumes());
        env.put("STORAGE_MANIFEST", "none");
        Path byEnv = temp.resolve("env");
        assertThat(run(env, "pvc://demo-claim/sample-model", byEnv.toString())).isZero();
        assertThat(byEnv.resolve(".storage-initializer")).doesNotExist();
    }

    @Test
    void oneManifestFileForSeveralPairsIsRefusedBeforeAnyDownload() throws Exception {
        String file = temp.resolve("m.json").toString();
        assertThat(run(
                        volumes(),
                        "--manifest",
                        file,
                        "pvc://demo-claim/sample-model",
                        temp.resolve("a").toString(),
                        "pvc://demo-claim/sample-model",
                        temp.resolve("b").toString()))
                .isEqualTo(2);
        assertThat(err()).contains("cannot hold the manifests of 2 pairs");
        Map<String, String> env = new java.util.HashMap<>(volumes());
        env.put("STORAGE_MANIFEST", file);
        assertThat(run(
                        env,
                        "pvc://demo-claim/sample-model",
                        temp.resolve("a").toString(),
                        "pvc://demo-claim/sample-model",
                        temp.resolve("b").toString()))
                .isEqualTo(5);
        assertThat(temp.resolve("a")).doesNotExist();
    }
}
