package dev.storageinit.testkit.hf;

import dev.storageinit.testkit.ServedDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Serves a local directory as one model repository of a {@link FakeHub} until killed, for benchmarks and the
 * image's AOT training: {@code HfFixtureMain DIR OWNER/NAME HUB_PORT CDN_PORT [TOKEN]}. Every regular file under DIR
 * (dot-files skipped) is committed at its relative path and served from the file itself (nothing is held in
 * memory; LFS files by the Hub's rules, through the CDN). With TOKEN the repository is gated and TOKEN granted.
 * Prints {@code ready <hub endpoint> <cdn endpoint> <files> <bytes> <commit>} on stdout once listening.
 */
public final class HfFixtureMain {
    private HfFixtureMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4 || args.length > 5) {
            System.err.println("usage: HfFixtureMain DIR OWNER/NAME HUB_PORT CDN_PORT [TOKEN]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        FakeHub hub = FakeHub.start(Integer.parseInt(args[2]), Integer.parseInt(args[3]))
                .recording(false);
        FakeHub.Repo repo = hub.repo(args[1]);
        if (args.length == 5) {
            repo.gated(true).grant(args[4]);
        }
        Map<String, Path> files = ServedDirectory.files(dir);
        long bytes = 0;
        String sha = null;
        for (Map.Entry<String, Path> f : files.entrySet()) {
            sha = repo.putFile(f.getKey(), f.getValue());
            bytes += Files.size(f.getValue());
        }
        System.out.println(
                "ready " + hub.endpoint() + " " + hub.cdnEndpoint() + " " + files.size() + " " + bytes + " " + sha);
        System.out.flush();
        Thread.currentThread().join();
    }
}
