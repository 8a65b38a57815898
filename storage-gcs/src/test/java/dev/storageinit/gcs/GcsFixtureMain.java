package dev.storageinit.gcs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Serves a local directory through {@link GcsJsonApiServer} until killed, for benchmarks:
 * {@code GcsFixtureMain DIR BUCKET/PREFIX PORT}. Every regular file under DIR (dot-files skipped) becomes the object
 * {@code PREFIX/<relative path>}, served from the file itself (nothing is held in memory). Prints
 * {@code ready <endpoint> <objects> <bytes>} on stdout once listening.
 */
public final class GcsFixtureMain {
    private GcsFixtureMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: GcsFixtureMain DIR BUCKET/PREFIX PORT");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        String bucketName = args[1].contains("/") ? args[1].substring(0, args[1].indexOf('/')) : args[1];
        String prefix = args[1].contains("/") ? args[1].substring(args[1].indexOf('/') + 1) : "";
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/";
        }
        GcsJsonApiServer server = GcsJsonApiServer.start(Integer.parseInt(args[2]));
        GcsJsonApiServer.Bucket bucket = server.bucket(bucketName);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !dir.relativize(p).toString().startsWith("."))
                    .sorted()
                    .collect(Collectors.toList());
        }
        long bytes = 0;
        for (Path f : files) {
            String rel = dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
            bytes += bucket.putFile(prefix + rel, f).size;
        }
        System.out.println("ready " + server.endpoint() + " " + files.size() + " " + bytes);
        System.out.flush();
        Thread.currentThread().join();
    }
}
