package dev.storageinit.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.InvalidUriException;
import dev.storageinit.NotFoundException;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.TransferListener;
import dev.storageinit.UnsafePathException;
import dev.storageinit.testkit.SecretLeaks;
import dev.storageinit.testkit.hf.FakeHub;
import dev.storageinit.testkit.hf.FakeHub.Seen;
import dev.storageinit.testkit.hf.FakeHub.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is particular to the Hub, against the {@link FakeHub}: grammar, settings, revisions, tokens, faults. */
class HfProviderTest {
    private static final String TOKEN = "hf_readerTokenForTheTests0123456789";

    @TempDir
    Path temp;

    private FakeHub hub;
    private FakeHub.Repo repo;
    /** A small LLM checkpoint: config and tokenizer in git, weights in LFS, one large file in git. */
    private final Map<String, byte[]> model = new LinkedHashMap<>();

    @BeforeEach
    void start() throws IOException {
        hub = FakeHub.start();
        model.put("config.json", text("{\"model_type\": \"llama\"}"));
        model.put("tokenizer.json", bytes(3 << 20, 1)); // 3 MiB, under the Hub's 10 MiB: kept in git, read in ranges
        model.put("tokenizer_config.json", text("{}"));
        model.put("model-00001-of-00002.safetensors", bytes((5 << 20) + 17, 2));
        model.put("model-00002-of-00002.safetensors", bytes((3 << 20) + 5, 3));
        model.put("model.safetensors.index.json", text("{\"weight_map\": {}}"));
        model.put("original/params.json", text("{\"dim\": 64}"));
        model.put("empty.txt", new byte[0]);
        repo = hub.repo("meta-llama/Llama-Test");
        repo.commit(model);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The settings of a pod: the fake Hub as {@code HF_ENDPOINT}, no token file, and {@code more}. */
    private Map<String, String> env(String... more) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", hub.endpoint());
        env.put("HF_HOME", temp.resolve("hf-home").toString());
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    private Storage.Builder storage() {
        return Storage.builder()
                .concurrency(4)
                .partSize(1 << 20)
                .multipartThreshold(1 << 20)
                .retryBackoff(Duration.ofMillis(10));
    }

    private DownloadResult download(String uri, Path dest, Map<String, String> env) throws StorageException {
        return download(uri, dest, env, null);
    }

    private DownloadResult download(String uri, Path dest, Map<String, String> env, TransferListener listener)
            throws StorageException {
        Storage.Builder b = storage();
        if (listener != null) {
            b.listener(listener);
        }
        try (Storage s = b.build()) {
            return s.download(DownloadRequest.builder(uri, dest)
                    .settings(CredentialSource.of(env))
                    .build());
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.startsWith(".storage-initializer"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private void assertIsTheModel(Path dest) throws IOException {
        assertThat(files(dest)).containsExactlyInAnyOrderElementsOf(model.keySet());
        for (Map.Entry<String, byte[]> e : model.entrySet()) {
            assertThat(Files.readAllBytes(dest.resolve(e.getKey())))
                    .as(e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    // ------------------------------------------------------------------ grammar

    @Test
    void malformedUrisGetKServesTexts() {
        Map<String, String> texts = Map.of(
                "hf://repo_only",
                "Invalid Hugging Face URI format. Expected 'hf://owner/model[:revision]', got 'hf://repo_only'",
                "hf://owner/model/sub/path",
                "Invalid Hugging Face URI format. Expected 'hf://owner/model[:revision]'",
                "hf://owner/model/",
                "Invalid Hugging Face URI format. Expected 'hf://owner/model[:revision]'",
                "hf://repo/:hash_value",
                "model name cannot be empty",
                "hf://owner/bad--name",
                "Repo id must use alphanumeric chars or '-', '_', '.', '--' and '..' are forbidden",
                "hf://owner/-dash",
                "'-' and '.' cannot start or end the name");
        texts.forEach((uri, text) -> assertThatThrownBy(() -> download(uri, temp.resolve("d"), env()))
                .as(uri)
                .isInstanceOf(InvalidUriException.class)
                .hasMessageStartingWith(uri + ": ")
                .hasMessageContaining(text));
        // no owner at all: refused by the URI parser before any provider is asked
        assertThatThrownBy(() -> download("hf:///model_only", temp.resolve("d"), env()))
                .isInstanceOf(InvalidUriException.class);
        assertThat(hub.seen()).as("no request for a malformed URI").isEmpty();
    }

    @Test
    void theRevisionIsABranchATagOrACommitAndDefaultsToMain() throws Exception {
        String first = repo.sha("main");
        repo.ref("v1.0", first);
        repo.put("config.json", text("{\"model_type\": \"llama\", \"changed\": true}"));
        for (String uri : List.of("hf://meta-llama/Llama-Test:v1.0", "hf://meta-llama/Llama-Test:" + first)) {
            Path dest = temp.resolve("r" + uri.length());
            download(uri, dest, env());
            assertIsTheModel(dest);
        }
        for (String uri : List.of("hf://meta-llama/Llama-Test", "hf://meta-llama/Llama-Test:")) {
            Path dest = temp.resolve("main" + uri.length());
            download(uri, dest, env());
            assertThat(Files.readString(dest.resolve("config.json"))).contains("changed");
        }
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test:refs/pr/1", temp.resolve("pr"), env()))
                .as("KServe's grammar splits on '/': no revision with a slash")
                .isInstanceOf(InvalidUriException.class);
    }

    // ------------------------------------------------------------------ one commit

    @Test
    void theRevisionIsResolvedOnceAndEveryFileIsReadAtThatCommit() throws Exception {
        String first = repo.sha("main");
        AtomicBoolean moved = new AtomicBoolean();
        TransferListener moveMain = new TransferListener() {
            @Override
            public void bytes(long count) {
                if (moved.compareAndSet(false, true)) {
                    Map<String, byte[]> changed = new HashMap<>();
                    model.keySet().forEach(k -> changed.put(k, text("from the second commit")));
                    repo.commit(changed);
                }
            }
        };
        Path dest = temp.resolve("d");
        download("hf://meta-llama/Llama-Test", dest, env(), moveMain);
        assertThat(moved).isTrue();
        assertThat(repo.sha("main")).isNotEqualTo(first);
        assertIsTheModel(dest);
        List<Seen> seen = hub.seen();
        assertThat(seen.stream().filter(s -> s.path().contains("/revision/")))
                .as("the revision is asked for once")
                .hasSize(1);
        assertThat(seen.stream()
                        .filter(s -> s.target() != Target.CDN && !s.path().contains("/revision/")))
                .as("every tree and resolve request names the commit")
                .isNotEmpty()
                .allMatch(s -> s.path().contains("/" + first));
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void theTokenGoesToTheHubOnlyNeverToTheCdn() throws Exception {
        repo.gated(true).grant(TOKEN);
        Path dest = temp.resolve("d");
        download("hf://meta-llama/Llama-Test", dest, env("HF_TOKEN", TOKEN));
        assertIsTheModel(dest);
        List<Seen> seen = hub.seen();
        assertThat(seen).filteredOn(s -> s.target() == Target.CDN).isNotEmpty().noneMatch(Seen::authorization);
        assertThat(seen).filteredOn(s -> s.target() != Target.CDN).isNotEmpty().allMatch(Seen::authorization);
        assertThat(hub.cdnRefusedForAuthorization()).isZero();
        assertThat(seen.stream()
                        .filter(s -> s.target() == Target.RESOLVE && s.path().endsWith(".safetensors")))
                .as("one Hub request per LFS file; its other ranges go to the CDN URL directly")
                .hasSize(2);
    }

    @Test
    void theTokenComesFromHfTokenThenTheLegacyVariableThenTheTokenFile() throws Exception {
        Path file = Files.writeString(temp.resolve("token-file"), "hf_fromHfTokenPath000000\n");
        Path home = Files.createDirectories(temp.resolve("home"));
        Files.writeString(home.resolve("token"), "hf_fromHfHome0000000000");
        Path cache = Files.createDirectories(temp.resolve("xdg").resolve("huggingface"));
        Files.writeString(cache.resolve("token"), "hf_fromXdgCacheHome00000");
        Map<String, String> all = env(
                "HF_TOKEN", "hf_fromHfToken000000000000",
                "HUGGING_FACE_HUB_TOKEN", "hf_fromLegacyVariable000",
                "HF_TOKEN_PATH", file.toString(),
                "HF_HOME", home.toString(),
                "XDG_CACHE_HOME", temp.resolve("xdg").toString());
        List<String> order =
                List.of("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "XDG_CACHE_HOME");
        List<String> tokens = List.of(
                "hf_fromHfToken000000000000",
                "hf_fromLegacyVariable000",
                "hf_fromHfTokenPath000000",
                "hf_fromHfHome0000000000",
                "hf_fromXdgCacheHome00000");
        tokens.forEach(hub::acceptToken); // all valid, each granted one repository only
        for (int i = 0; i < order.size(); i++) {
            hub.repo("gated/case" + i).gated(true).grant(tokens.get(i)).commit(model);
        }
        for (int i = 0; i < order.size(); i++) {
            Map<String, String> env = new HashMap<>(all);
            order.subList(0, i).forEach(env::remove);
            Path dest = temp.resolve("t" + i);
            download("hf://gated/case" + i, dest, env);
            assertIsTheModel(dest);
            if (i + 1 < order.size()) {
                assertThatThrownBy(() -> download("hf://gated/case" + (order.size() - 1), temp.resolve("no"), env))
                        .as("%s wins over the sources after it", order.get(0))
                        .isInstanceOf(AccessDeniedException.class);
            }
        }
    }

    @Test
    void aGatedRepoWithoutAccessIsAccessDeniedWithKServesHint() throws Exception {
        repo.gated(true);
        hub.acceptToken(TOKEN); // a valid token that was not granted access
        Path dest = temp.resolve("d");
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test", dest, env()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageStartingWith("hf://meta-llama/Llama-Test: ")
                .hasMessageContaining("HTTP 401 GatedRepo")
                .hasMessageContaining("credentials: none")
                .hasMessageContaining("Set HF_TOKEN or request access to the gated repository");
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test", dest, env("HF_TOKEN", TOKEN)))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("HTTP 403 GatedRepo")
                .hasMessageContaining("credentials: HF_TOKEN (settings map)")
                .hasMessageContaining("Set HF_TOKEN or request access to the gated repository");
        assertThat(files(dest))
                .as("no file was served (an empty one needs no request)")
                .allMatch(f -> model.get(f).length == 0);
    }

    @Test
    void aTokenTheHubRefusesIsAccessDeniedNamingItsSourceNeverItsValue() throws Exception {
        String wrong = "hf_wrongTokenValue1234567890";
        try (SecretLeaks leaks = SecretLeaks.capture()) {
            StorageException e =
                    leaks.download("hf://meta-llama/Llama-Test", temp.resolve("d"), env("HF_TOKEN", wrong));
            assertThat(e)
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("Invalid credentials in Authorization header")
                    .hasMessageContaining("credentials: HF_TOKEN (settings map)")
                    .hasMessageContaining("Set HF_TOKEN or request access to the gated repository");
            leaks.assertNoLeak(wrong);
        }
    }

    @Test
    void aTokenNoHeaderCanCarryIsAConfigurationErrorWithoutItsValue() {
        String bad = "hf_line\nQz8Tail";
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test", temp.resolve("d"), env("HF_TOKEN", bad)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("HF_TOKEN (settings map)")
                .hasMessageNotContaining("Qz8Tail");
        assertThat(new HubSettings(
                                java.net.URI.create("https://huggingface.co"),
                                TOKEN,
                                "HF_TOKEN",
                                Duration.ZERO,
                                "HF_HUB_DOWNLOAD_TIMEOUT")
                        .toString())
                .doesNotContain(TOKEN);
    }

    @Test
    void unknownRepositoriesAndRevisionsAreNotFound() throws Exception {
        assertThatThrownBy(() -> download("hf://meta-llama/No-Such-Model", temp.resolve("a"), env()))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("repository 'meta-llama/No-Such-Model' not found")
                .hasMessageContaining("no token was sent: if it is private or gated, Set HF_TOKEN");
        repo.privateRepo(true);
        hub.acceptToken(TOKEN);
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test", temp.resolve("b"), env("HF_TOKEN", TOKEN)))
                .as("a private repository the token cannot see")
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("HTTP 404 RepoNotFound")
                .hasMessageContaining("the token from HF_TOKEN (settings map) does not give access to it");
        repo.privateRepo(false);
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test:no-such-branch", temp.resolve("c"), env()))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("revision 'no-such-branch' not found in meta-llama/Llama-Test")
                .hasMessageContaining("RevisionNotFound");
    }

    // ------------------------------------------------------------------ settings

    @Test
    void hfEndpointNamesTheHubAndKServesWebhookVariablesChangeNothing() throws Exception {
        Path plain = temp.resolve("plain");
        download("hf://meta-llama/Llama-Test", plain, env("HF_ENDPOINT", hub.endpoint() + "/"));
        List<String> requests = hub.seen().stream()
                .map(s -> s.method() + " " + s.path())
                .sorted()
                .collect(Collectors.toList());
        hub.clearSeen();
        Path kserve = temp.resolve("kserve");
        download(
                "hf://meta-llama/Llama-Test",
                kserve,
                env(
                        "HF_HUB_ENABLE_HF_TRANSFER", "1",
                        "HF_XET_HIGH_PERFORMANCE", "1",
                        "HF_XET_NUM_CONCURRENT_RANGE_GETS", "8"));
        assertIsTheModel(kserve);
        assertThat(hub.seen().stream().map(s -> s.method() + " " + s.path()).sorted())
                .as("the same requests with KServe's variables")
                .containsExactlyElementsOf(requests);
        assertThatThrownBy(() ->
                        download("hf://meta-llama/Llama-Test", temp.resolve("x"), env("HF_ENDPOINT", "ftp://mirror")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("HF_ENDPOINT (settings map) must be an http(s) URL");
    }

    @Test
    void filesLandWithRepoRelativePathsAndNothingElse() throws Exception {
        Path dest = temp.resolve("d");
        DownloadResult r = download("hf://meta-llama/Llama-Test", dest, env());
        assertIsTheModel(dest);
        assertThat(r.filesTransferred()).isEqualTo(model.size());
        try (Stream<Path> top = Files.list(dest)) {
            assertThat(top.map(p -> p.getFileName().toString()))
                    .as("no .cache/huggingface, no .gitattributes: the model and the tool's own directory")
                    .containsExactlyInAnyOrder(
                            "config.json",
                            "tokenizer.json",
                            "tokenizer_config.json",
                            "model-00001-of-00002.safetensors",
                            "model-00002-of-00002.safetensors",
                            "model.safetensors.index.json",
                            "original",
                            "empty.txt",
                            ".storage-initializer");
        }
        DownloadResult again = download("hf://meta-llama/Llama-Test", dest, env());
        assertThat(again.filesSkipped()).as("a re-run finds every file intact").isEqualTo(model.size());
        assertThat(hub.seen()).filteredOn(s -> s.target() == Target.CDN).hasSizeGreaterThan(0);
    }

    @Test
    void kservesPatternsFilterRepoRelativePaths() throws Exception {
        Path dest = temp.resolve("d");
        download(
                "hf://meta-llama/Llama-Test",
                dest,
                env(
                        "STORAGE_ALLOW_PATTERNS",
                        "[\"*.json\", \"*.safetensors\"]",
                        "STORAGE_IGNORE_PATTERNS",
                        "original/*"));
        assertThat(files(dest))
                .containsExactlyInAnyOrder(
                        "config.json",
                        "tokenizer.json",
                        "tokenizer_config.json",
                        "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors",
                        "model.safetensors.index.json");
    }

    // ------------------------------------------------------------------ listing

    @Test
    void theTreeIsReadPageByPageThroughLinkNext() throws Exception {
        hub.pageSize(3);
        Path dest = temp.resolve("d");
        download("hf://meta-llama/Llama-Test", dest, env());
        assertIsTheModel(dest);
        // 8 files and the directory "original": 9 entries, 3 pages
        assertThat(hub.seen()).filteredOn(s -> s.path().contains("/tree/")).hasSize(3);
    }

    @Test
    void aTreeEntryOutsideTheRepositoryIsRefused() throws Exception {
        repo.putUnchecked("../escape.txt", text("a broken or hostile Hub"));
        Path outer = temp.resolve("outer");
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test", outer.resolve("d"), env()))
                .isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("../escape.txt");
        try (Stream<Path> walk = Files.walk(temp)) {
            assertThat(walk.filter(p -> p.getFileName().toString().equals("escape.txt")))
                    .isEmpty();
        }
    }

    // ------------------------------------------------------------------ faults

    @Test
    void a429IsRetriedAfterTheWaitTheHubAsksFor() throws Exception {
        for (Target target : List.of(Target.API, Target.RESOLVE, Target.CDN)) {
            hub.throttleNext(target, 1, 1);
            long start = System.nanoTime();
            Path dest = temp.resolve("d-" + target);
            download("hf://meta-llama/Llama-Test", dest, env());
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("%s: Retry-After 1 s, the backoff is 10 ms", target)
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertIsTheModel(dest);
            assertThat(hub.seen()).as(target.toString()).anyMatch(s -> s.target() == target && s.status() == 429);
        }
    }

    @Test
    void serverErrorsAreRetried() throws Exception {
        hub.failNext(Target.API, 2, 503);
        download("hf://meta-llama/Llama-Test", temp.resolve("api"), env());
        hub.failNext(Target.CDN, 2, 500);
        Path dest = temp.resolve("cdn");
        download("hf://meta-llama/Llama-Test", dest, env());
        assertIsTheModel(dest);
        assertThat(hub.seen()).filteredOn(s -> s.status() >= 500).hasSize(4);
    }

    @Test
    void aWrongByteIsFetchedAgainThenAnIntegrityError() throws Exception {
        for (String path : List.of("model-00002-of-00002.safetensors", "tokenizer.json", "config.json")) {
            hub.corruptNext(path, 1);
            Path dest = temp.resolve("once-" + path);
            int before = hub.corrupted();
            download("hf://meta-llama/Llama-Test", dest, env());
            assertThat(hub.corrupted())
                    .as("%s was served with a wrong byte once", path)
                    .isEqualTo(before + 1);
            assertIsTheModel(dest); // so it was caught and fetched again
        }
        hub.corruptNext("model-00002-of-00002.safetensors", 1000);
        Path bad = temp.resolve("always");
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test", bad, env()))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors: SHA256 mismatch")
                .hasMessageContaining("(after 3 downloads)");
        assertThat(bad.resolve("model-00002-of-00002.safetensors")).doesNotExist();
        hub.corruptNext("model-00002-of-00002.safetensors", 0); // else it may fail first, before config.json
        hub.corruptNext("config.json", 1000);
        assertThatThrownBy(() -> download("hf://meta-llama/Llama-Test", temp.resolve("git"), env()))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("config.json: GIT_BLOB_SHA1 mismatch");
    }

    @Test
    void aStalledBodyIsDroppedAfterTheDownloadTimeoutAndResumed() throws Exception {
        hub.stallNext("model-00001-of-00002.safetensors", 100_000, Duration.ofSeconds(30));
        hub.stallNext("tokenizer.json", 10_000, Duration.ofSeconds(30));
        long start = System.nanoTime();
        Path dest = temp.resolve("d");
        download("hf://meta-llama/Llama-Test", dest, env("HF_HUB_DOWNLOAD_TIMEOUT", "0.5"));
        assertThat(hub.stalled()).as("both bodies stalled").isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("dropped after 0.5 s, not held for the stall's 30 s")
                .isLessThan(Duration.ofSeconds(10));
        assertIsTheModel(dest);
    }

    @Test
    void anExpiredCdnUrlIsResolvedAgain() throws Exception {
        AtomicBoolean expired = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
        TransferListener expire = new TransferListener() {
            @Override
            public void bytes(long count) {
                if (seen.addAndGet(count) > (1 << 20) && expired.compareAndSet(false, true)) {
                    hub.expireCdnUrls(); // the first weight file's URL is known, 2 of its 6 ranges are still to read
                }
            }
        };
        Path dest = temp.resolve("d");
        download("hf://meta-llama/Llama-Test", dest, env(), expire);
        assertThat(expired).isTrue();
        assertIsTheModel(dest);
        assertThat(hub.seen()).anyMatch(s -> s.target() == Target.CDN && s.status() == 403);
    }
}
