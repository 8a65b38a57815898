package dev.storageinit.hf;

import dev.storageinit.CredentialSource;
import dev.storageinit.testkit.StoreFixture;
import dev.storageinit.testkit.hf.FakeHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The conformance suite's store on a {@link FakeHub}: an hf URI names a whole repository, so each folder the suite
 * downloads ({@code uri(path)}) is a private repository {@code conformance/rN} holding the objects under it, made
 * when it first holds one and given a new commit on {@code main} by every later put under it. The token is
 * {@code HF_TOKEN}; the fault proxy sits in front of the CDN, reached through a {@link FakeHub#frontDoor}.
 */
final class HubStore implements StoreFixture {
    static final String OWNER = "conformance";
    static final String TOKEN = "hf_conformanceReaderToken0123456789";

    private final FakeHub hub;
    private final Path home;
    /** Every object put, by key. */
    private final NavigableMap<String, byte[]> objects = new TreeMap<>();
    /** The repository name of each folder a URI was asked for. */
    private final Map<String, String> names = new HashMap<>();

    HubStore() throws IOException {
        hub = FakeHub.start();
        home = Files.createTempDirectory("hf-home");
    }

    FakeHub hub() {
        return hub;
    }

    @Override
    public synchronized String uri(String path) {
        String folder = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String name = names.computeIfAbsent(folder, f -> "r" + (names.size() + 1));
        Map<String, byte[]> under = new TreeMap<>();
        objects.tailMap(folder + "/").forEach((k, v) -> {
            if (k.startsWith(folder + "/")) {
                under.put(k.substring(folder.length() + 1), v);
            }
        });
        FakeHub.Repo repo = hub.repo(OWNER + "/" + name);
        if (!under.isEmpty() && repo.sha("main") == null) {
            repo.privateRepo(true).grant(TOKEN).commit(under);
        }
        return "hf://" + OWNER + "/" + name;
    }

    @Override
    public CredentialSource settings() {
        return settingsThrough(null);
    }

    /** The settings of a Hub whose LFS files come through {@code cdn} (null: the CDN itself). */
    @Override
    public CredentialSource settingsThrough(String cdn) {
        String endpoint;
        try {
            endpoint = cdn == null ? hub.endpoint() : hub.frontDoor(cdn).endpoint();
        } catch (IOException e) {
            throw new IllegalStateException("cannot open another port of the fake Hub", e);
        }
        return CredentialSource.of(Map.of("HF_TOKEN", TOKEN, "HF_ENDPOINT", endpoint, "HF_HOME", home.toString()));
    }

    @Override
    public synchronized void put(String key, byte[] content) {
        if (key.endsWith("/")) {
            return; // git has no folders of their own
        }
        if (!canStore(key)) {
            throw new IllegalArgumentException("git cannot hold the path '" + key + "'");
        }
        String below = objects.ceilingKey(key + "/");
        boolean folderThere = below != null && below.startsWith(key + "/");
        boolean fileAbove = false;
        for (int slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
            fileAbove |= objects.containsKey(key.substring(0, slash));
        }
        if (folderThere || fileAbove) {
            throw new IllegalArgumentException("git cannot hold a file and a folder at '" + key + "'");
        }
        objects.put(key, content.clone());
        names.forEach((folder, name) -> {
            if (key.startsWith(folder + "/")) {
                FakeHub.Repo repo =
                        hub.repo(OWNER + "/" + name).privateRepo(true).grant(TOKEN);
                repo.put(key.substring(folder.length() + 1), content);
            }
        });
    }

    /** Git holds no path with a {@code ..} segment. */
    @Override
    public boolean canStore(String key) {
        for (String segment : key.split("/")) {
            if (segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** Git cannot hold {@code a} beside {@code a/b}. */
    @Override
    public boolean canHoldFileAndFolderOnOnePath() {
        return false;
    }

    @Override
    public boolean urisNameSingleObjects() {
        return false;
    }

    @Override
    public boolean readsOneSnapshot() {
        return true;
    }

    @Override
    public OptionalInt port() {
        return OptionalInt.of(hub.cdnPort());
    }

    @Override
    public String missingContainerUri() {
        return "hf://" + OWNER + "/no-such-model";
    }

    @Override
    public String wrongCredentialsVariable() {
        return "HF_TOKEN";
    }

    @Override
    public Optional<CredentialSource> wrongCredentials() {
        return Optional.of(CredentialSource.of(Map.of(
                "HF_TOKEN", "hf_notATokenTheHubIssued42",
                "HF_ENDPOINT", hub.endpoint(),
                "HF_HOME", home.toString())));
    }

    @Override
    public void close() throws IOException {
        hub.close();
        Files.deleteIfExists(home);
    }
}
