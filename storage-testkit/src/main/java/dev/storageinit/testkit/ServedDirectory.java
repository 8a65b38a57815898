package dev.storageinit.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A local directory as the fixture mains serve it: every regular file, dot-files (and dot-directories) skipped. */
public final class ServedDirectory {
    private ServedDirectory() {}

    /** Regular files under {@code dir} by '/'-separated relative path, sorted; paths starting with '.' left out. */
    public static Map<String, Path> files(Path dir) throws IOException {
        Map<String, Path> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(f -> {
                String rel =
                        dir.relativize(f).toString().replace(dir.getFileSystem().getSeparator(), "/");
                if (!rel.startsWith(".")) {
                    files.put(rel, f);
                }
            });
        }
        return files;
    }
}
