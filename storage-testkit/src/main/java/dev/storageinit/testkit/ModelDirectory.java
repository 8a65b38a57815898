package dev.storageinit.testkit;

import dev.storageinit.Storage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a download leaves in its destination, seen the way model servers and users see it: the tool's bookkeeping
 * ({@link Storage#BOOKKEEPING_DIRECTORY}) and the listing rules of KServe's single-file model servers.
 */
public final class ModelDirectory {
    /**
     * The extensions KServe's servers look for: each lists the top-level entries of the model directory
     * ({@code os.listdir}), keeps the regular files ({@code os.path.isfile}, links followed) ending with one of
     * its extensions, and refuses to start unless exactly one remains ("More than one model file is detected").
     */
    public static final Map<String, List<String>> KSERVE_SERVERS = Map.of(
            "xgbserver", List.of(".bst", ".json", ".ubj"),
            "lgbserver", List.of(".bst"),
            "sklearnserver", List.of(".joblib", ".pkl", ".pickle"),
            "pmmlserver", List.of(".pmml"));

    private ModelDirectory() {}

    /** The model files {@code server} (a key of {@link #KSERVE_SERVERS}) would find in {@code dir}. */
    public static List<String> modelFilesFor(String server, Path dir) throws IOException {
        List<String> extensions = KSERVE_SERVERS.get(server);
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && extensions.stream().anyMatch(name::endsWith)) {
                    found.add(name);
                }
            }
        }
        return found;
    }

    /** The bookkeeping directory of {@code dest}. */
    public static Path bookkeeping(Path dest) {
        return dest.resolve(Storage.BOOKKEEPING_DIRECTORY);
    }

    /** The default manifest file of {@code dest}. */
    public static Path manifest(Path dest) {
        return bookkeeping(dest).resolve("manifest.json");
    }

    /** The manifest's text. */
    public static String manifestOf(Path dest) throws IOException {
        return Files.readString(manifest(dest));
    }

    /** The staging directories left in {@code dest}'s bookkeeping (none after any run, failed or not). */
    public static List<String> stagingLeft(Path dest) throws IOException {
        List<String> left = new ArrayList<>();
        if (!Files.isDirectory(bookkeeping(dest))) {
            return left;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(bookkeeping(dest), "staging-*")) {
            entries.forEach(p -> left.add(p.getFileName().toString()));
        }
        return left;
    }
}
