package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shaded jar run as a process, the way an init container runs it: the one runner of the CLI's integration
 * tests. Immutable; each {@code with...} gives a changed copy.
 */
final class Jar {
    /** How a run ended: exit code, standard output and standard error. */
    record Run(int code, String out, String err) {}

    /** A process that was started and not yet waited for. */
    record Started(Process process, Path out, Path err, Duration timeout) {
        /** Waits for the process (at most the timeout) and reads what it printed. */
        Run finish() throws IOException, InterruptedException {
            assertThat(process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS))
                    .as("the jar ends within %s", timeout)
                    .isTrue();
            return new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        }
    }

    private final Path temp;
    private final Map<String, String> env;
    private final List<String> keptEnv;
    private final List<String> prefix;
    private final Path directory;
    private final Duration timeout;

    private Jar(
            Path temp,
            Map<String, String> env,
            List<String> keptEnv,
            List<String> prefix,
            Path directory,
            Duration timeout) {
        this.temp = temp;
        this.env = Map.copyOf(env);
        this.keptEnv = keptEnv == null ? null : List.copyOf(keptEnv);
        this.prefix = List.copyOf(prefix);
        this.directory = directory;
        this.timeout = timeout;
    }

    /** The jar with this JVM's environment, writing its output under {@code temp}, waited for 60 s at most. */
    static Jar in(Path temp) {
        return new Jar(temp, Map.of(), null, List.of(), null, Duration.ofSeconds(60));
    }

    /** With {@code more} added to the environment. */
    Jar withEnv(Map<String, String> more) {
        Map<String, String> all = new HashMap<>(env);
        all.putAll(more);
        return new Jar(temp, all, keptEnv, prefix, directory, timeout);
    }

    /** With nothing of this JVM's environment but the variables {@code kept} (as {@code env -i} would). */
    Jar keepingOnly(String... kept) {
        return new Jar(temp, env, List.of(kept), prefix, directory, timeout);
    }

    /** Started through {@code command} (e.g. {@code unshare ... sh -c '...' }), which then runs the java command. */
    Jar through(List<String> command) {
        return new Jar(temp, env, keptEnv, command, directory, timeout);
    }

    /** Run in {@code dir}. */
    Jar inDirectory(Path dir) {
        return new Jar(temp, env, keptEnv, prefix, dir, timeout);
    }

    /** Waited for {@code limit} at most. */
    Jar waitingAtMost(Duration limit) {
        return new Jar(temp, env, keptEnv, prefix, directory, limit);
    }

    /** Starts the jar with {@code args} and returns without waiting. */
    Started start(String... args) throws IOException {
        Path jar = Path.of(System.getProperty("cli.jar"));
        assertThat(jar).as("the shaded jar is built in the package phase").exists();
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (directory != null) {
            pb.directory(Files.createDirectories(directory).toFile());
        }
        if (keptEnv != null) {
            pb.environment().keySet().retainAll(keptEnv);
        }
        pb.environment().putAll(env);
        Path out = Files.createTempFile(temp, "stdout", ".txt");
        Path err = Files.createTempFile(temp, "stderr", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        return new Started(pb.start(), out, err, timeout);
    }

    /** Runs the jar with {@code args} to its end. */
    Run run(String... args) throws IOException, InterruptedException {
        return start(args).finish();
    }
}
