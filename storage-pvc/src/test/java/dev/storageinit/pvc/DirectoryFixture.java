package dev.storageinit.pvc;

import dev.storageinit.CredentialSource;
import dev.storageinit.testkit.StoreFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;

/** A mount root on disk with one claim, {@code models}, served as {@code pvc://models/...}. */
final class DirectoryFixture implements StoreFixture {
    private final Path mountRoot;
    private final Path claim;

    DirectoryFixture() throws IOException {
        mountRoot = Files.createTempDirectory("pvc-root");
        claim = Files.createDirectories(mountRoot.resolve("models"));
    }

    Path claimDir() {
        return claim;
    }

    @Override
    public String uri(String path) {
        return "pvc://models/" + path;
    }

    @Override
    public CredentialSource settings() {
        return CredentialSource.of(Map.of(PvcProvider.MOUNT_ROOT, mountRoot.toString()));
    }

    @Override
    public void put(String key, byte[] content) throws IOException {
        Path file = fileOf(key);
        if (key.endsWith("/")) {
            Files.createDirectories(file);
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(mountRoot, "put", ".tmp");
        Files.write(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void put(String key, Path source) throws IOException {
        Path file = fileOf(key);
        Files.createDirectories(file.getParent());
        Files.copy(source, file, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path fileOf(String key) {
        if (!canStore(key)) {
            throw new IllegalArgumentException("a file system cannot hold the key '" + key + "' inside the volume");
        }
        return claim.resolve(key);
    }

    /** A directory cannot be a file too. */
    @Override
    public boolean canHoldFileAndFolderOnOnePath() {
        return false;
    }

    /** A directory cannot hold a file whose path has '..' segments: it would be another path. */
    @Override
    public boolean canStore(String key) {
        for (String segment : key.split("/")) {
            if (segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String missingContainerUri() {
        return "pvc://no-such-claim/model";
    }

    /** Local volumes have no credentials to refuse (and tests run as root, which reads everything). */
    @Override
    public Optional<CredentialSource> wrongCredentials() {
        return Optional.empty();
    }

    @Override
    public void close() throws IOException {
        try (var walk = Files.walk(mountRoot)) {
            walk.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
