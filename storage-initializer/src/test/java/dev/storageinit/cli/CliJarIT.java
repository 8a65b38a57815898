package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the shaded jar as a process, the way an init container runs it. */
class CliJarIT {
    @TempDir
    Path temp;

    private record Run(int code, String out, String err) {}

    private Run java(String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("cli.jar"));
        assertThat(jar).as("the shaded jar is built in the package phase").exists();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("STORAGE_PVC_MOUNT_ROOT", Path.of(System.getProperty("examples.dir"), "volumes").toString());
        Path out = temp.resolve("stdout");
        Path err = temp.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void downloadsTheSampleModel() throws Exception {
        Path dest = temp.resolve("models");
        Run r = java("pvc://demo-claim/sample-model", dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("done pvc://demo-claim/sample-model");
        assertThat(dest.resolve("weights/model-00001-of-00002.bin")).hasSize(65536);
    }

    @Test
    void unknownSchemeExitsFiveWithOneLine() throws Exception {
        Run r = java("nosuch://bucket/model", temp.resolve("d").toString());
        assertThat(r.code()).isEqualTo(5);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("no installed provider handles scheme 'nosuch'");
    }

    @Test
    void versionListsTheBundledProviders() throws Exception {
        Run r = java("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("storage-initializer 0.1.0").contains("pvc (file, pvc)")
                .contains("http (http, https)").contains("azure (https)").contains("gcs (gs)").contains("s3 (s3)");
    }
}
