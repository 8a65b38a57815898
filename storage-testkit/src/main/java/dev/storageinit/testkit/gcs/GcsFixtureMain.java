package dev.storageinit.testkit.gcs;

import dev.storageinit.testkit.ServedDirectory;
import java.nio.file.Path;
import java.util.Map;

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
        Map<String, Path> files = ServedDirectory.files(dir);
        long bytes = 0;
        for (Map.Entry<String, Path> f : files.entrySet()) {
            bytes += bucket.putFile(prefix + f.getKey(), f.getValue()).size;
        }
        System.out.println("ready " + server.endpoint() + " " + files.size() + " " + bytes);
        System.out.flush();
        Thread.currentThread().join();
    }
}
