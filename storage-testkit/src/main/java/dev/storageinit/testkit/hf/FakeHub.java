package dev.storageinit.testkit.hf;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.storageinit.spi.http.HttpText;
import dev.storageinit.spi.support.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face Hub for tests, on 127.0.0.1 and free ports, serving what {@code snapshot_download} and this
 * project's hf provider read (as documented by huggingface_hub's {@code hf_api.py} and {@code file_download.py}):
 * <ul>
 *   <li>{@code GET /api/models/{owner}/{name}/revision/{revision}}: the commit a branch, tag or sha names, with the
 *       file names ({@code siblings});
 *   <li>{@code GET /api/models/{owner}/{name}/tree/{revision}[/{path}]?recursive=true}: files ({@code oid} the git
 *       blob id, {@code lfs.oid} the SHA-256 of LFS files) and directories, {@link #pageSize} entries a page, the
 *       next page in a {@code Link: <...>; rel="next"} header;
 *   <li>{@code GET|HEAD /{owner}/{name}/resolve/{revision}/{path}}: a file kept in git served with {@code Range}
 *       support; an LFS file answered by a 302 to a presigned URL on the CDN, which is a second server on another
 *       port reached by another host name ({@code localhost}) and refuses any request that carries an
 *       {@code Authorization} header, as S3 refuses a presigned URL with a second credential;
 *   <li>errors as the Hub sends them, with {@code X-Error-Code} and {@code X-Error-Message}: a token the Hub did not
 *       issue is 401 "Invalid credentials in Authorization header"; a missing or private repository is 401 without
 *       a token, 404 with one ({@code RepoNotFound}); an unknown revision 404 {@code RevisionNotFound}; a gated
 *       repository lists its files to anyone but serves them only to granted tokens (401, 403 {@code GatedRepo}).
 * </ul>
 * Files are held in memory or, for benchmarks, read from local files when served. Every change is a commit: a
 * branch moves, earlier commits stay readable. Faults: {@link #throttleNext} (429 with {@code Retry-After} and
 * {@code RateLimit}), {@link #failNext} (5xx), {@link #corruptNext} (a flipped byte), {@link #stallNext} (a body
 * that stops), {@link #expireCdnUrls}. {@link #frontDoor} opens another Hub port over the same repositories whose
 * redirects lead to another CDN address (a {@link dev.storageinit.testkit.FaultProxy} in front of the CDN).
 */
public final class FakeHub implements AutoCloseable {
    /** Which of the Hub's parts a request or a fault is for. */
    public enum Target {
        /** {@code /api/...}: revision and tree. */
        API,
        /** {@code /{repo}/resolve/...}. */
        RESOLVE,
        /** The CDN's presigned URLs. */
        CDN
    }

    /** One request as the Hub or its CDN saw it. */
    public record Seen(Target target, String method, String path, boolean authorization, int status) {}

    /** The HF default {@code .gitattributes} track these with LFS; any file of 10 MiB or more must be in LFS. */
    private static final Pattern LFS_NAMES = Pattern.compile(
            "(?i).*\\.(7z|arrow|bin|bz2|ckpt|ftz|gguf|gz|h5|joblib|mlmodel|model|msgpack|npy|npz|onnx|ot|parquet|pb"
                    + "|pickle|pkl|pt|pth|rar|safetensors|tar|tflite|tgz|wasm|xz|zip|zst)");

    private static final long LFS_SIZE = 10L << 20;
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private final State state;
    private final HttpServer hub;
    private final HttpServer cdn;
    private final String cdnBase;
    private final ExecutorService executor;
    private final List<FakeHub> doors = new CopyOnWriteArrayList<>();

    /** What the Hub's ports share: repositories, tokens, faults and the request log. */
    private static final class State {
        final Map<String, Repo> repos = new ConcurrentHashMap<>();
        final Map<String, Boolean> tokens = new ConcurrentHashMap<>();
        /** Presigned URL signatures to what they grant. */
        final Map<String, Grant> signatures = new ConcurrentHashMap<>();

        final Map<Target, Fault> faults = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> corrupt = new ConcurrentHashMap<>();
        final Map<String, Stall> stalls = new ConcurrentHashMap<>();
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        final AtomicInteger refusedForAuthorization = new AtomicInteger();
        final AtomicInteger corrupted = new AtomicInteger();
        final AtomicInteger stalled = new AtomicInteger();
        volatile boolean recording = true;
        volatile int pageSize = 1000;
    }

    private record Fault(AtomicInteger left, int status, int retryAfterSeconds) {}

    /** What a presigned URL serves: a blob, and the path it was resolved from (for the per-path faults). */
    private record Grant(Blob blob, String path) {}

    private record Stall(long afterBytes, Duration hold) {}

    /** File content: in memory or in a local file, with its git and LFS identities. */
    private record Blob(byte[] content, Path file, long size, String sha256, String gitOid, boolean lfs) {
        String pointer() {
            return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + size + "\n";
        }

        /** The tree's {@code oid}: the git blob id of what git holds, the content or the LFS pointer. */
        String treeOid() {
            return lfs ? Hashes.gitBlob(pointer().getBytes(StandardCharsets.US_ASCII)) : gitOid;
        }
    }

    private record Commit(String sha, NavigableMap<String, Blob> files) {}

    private FakeHub(State state, int hubPort, int cdnPort, String cdnBase) throws IOException {
        // the JDK server writes headers and body separately: without TCP_NODELAY every small response waits for
        // the client's delayed ACK (~40 ms)
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        this.state = state;
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-hub-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), hubPort), 128);
        hub.setExecutor(executor);
        hub.createContext("/", this::handleHub);
        hub.start();
        if (cdnBase == null) {
            cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), cdnPort), 128);
            cdn.setExecutor(executor);
            cdn.createContext("/", this::handleCdn);
            cdn.start();
            this.cdnBase = "http://localhost:" + cdn.getAddress().getPort();
        } else {
            cdn = null;
            this.cdnBase = cdnBase;
        }
    }

    /** Starts a Hub and its CDN on free ports. */
    public static FakeHub start() throws IOException {
        return start(0, 0);
    }

    /** Starts a Hub on {@code hubPort} and its CDN on {@code cdnPort} (0 for free ones). */
    public static FakeHub start(int hubPort, int cdnPort) throws IOException {
        return new FakeHub(new State(), hubPort, cdnPort, null);
    }

    /**
     * Another Hub port over the same repositories, tokens and faults, whose LFS redirects go to {@code cdnBase}
     * ({@code http://127.0.0.1:N}, e.g. a proxy in front of {@link #cdnPort()}); closed with this one.
     */
    public FakeHub frontDoor(String cdnBase) throws IOException {
        FakeHub door = new FakeHub(state, 0, 0, cdnBase);
        doors.add(door);
        return door;
    }

    /** {@code http://127.0.0.1:PORT}: the value for {@code HF_ENDPOINT}. */
    public String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    /** Where LFS downloads are redirected: {@code http://localhost:PORT}, another origin than the Hub's. */
    public String cdnEndpoint() {
        return cdnBase;
    }

    /** The CDN server's port on 127.0.0.1. */
    public int cdnPort() {
        if (cdn == null) {
            throw new IllegalStateException("a front door has no CDN of its own");
        }
        return cdn.getAddress().getPort();
    }

    /** The repository {@code owner/name}, created public and empty if missing. */
    public Repo repo(String id) {
        return state.repos.computeIfAbsent(id, Repo::new);
    }

    /** Accepts {@code token} as one the Hub issued (any repository's public files, and those it is granted). */
    public FakeHub acceptToken(String token) {
        state.tokens.put(token, Boolean.TRUE);
        return this;
    }

    /** Tree entries per page (default 1,000). */
    public FakeHub pageSize(int entries) {
        state.pageSize = entries;
        return this;
    }

    /** Answers the next {@code times} requests to {@code target} with 429, {@code Retry-After} and {@code RateLimit}. */
    public FakeHub throttleNext(Target target, int times, int retryAfterSeconds) {
        state.faults.put(target, new Fault(new AtomicInteger(times), 429, retryAfterSeconds));
        return this;
    }

    /** Answers the next {@code times} requests to {@code target} with {@code status} (a 5xx). */
    public FakeHub failNext(Target target, int times, int status) {
        state.faults.put(target, new Fault(new AtomicInteger(times), status, -1));
        return this;
    }

    /** Flips the first byte of the next {@code responses} bodies served for {@code path} (any repository). */
    public FakeHub corruptNext(String path, int responses) {
        state.corrupt.put(path, new AtomicInteger(responses));
        return this;
    }

    /** The next body served for {@code path} stops after {@code afterBytes} and is held open for {@code hold}. */
    public FakeHub stallNext(String path, long afterBytes, Duration hold) {
        state.stalls.put(path, new Stall(afterBytes, hold));
        return this;
    }

    /** Every presigned URL issued so far is refused from now on (403 "Request has expired"). */
    public FakeHub expireCdnUrls() {
        state.signatures.clear();
        return this;
    }

    /** Whether requests are logged for {@link #seen()} (on by default; off for benchmarks). */
    public FakeHub recording(boolean on) {
        state.recording = on;
        return this;
    }

    /** The requests so far, in order of completion. */
    public List<Seen> seen() {
        return List.copyOf(state.seen);
    }

    /** Forgets the requests seen so far. */
    public void clearSeen() {
        state.seen.clear();
    }

    /** Requests the CDN refused because they carried an {@code Authorization} header. */
    public int cdnRefusedForAuthorization() {
        return state.refusedForAuthorization.get();
    }

    /** Bodies served with a flipped byte ({@link #corruptNext}). */
    public int corrupted() {
        return state.corrupted.get();
    }

    /** Bodies that stalled ({@link #stallNext}). */
    public int stalled() {
        return state.stalled.get();
    }

    @Override
    public void close() {
        for (FakeHub door : doors) {
            door.close();
        }
        hub.stop(0);
        if (cdn != null) {
            cdn.stop(0);
        }
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ repositories

    /** Whether the Hub keeps {@code path} of {@code size} bytes in LFS (the default {@code .gitattributes}, 10 MiB). */
    public static boolean storedInLfs(String path, long size) {
        return size >= LFS_SIZE || LFS_NAMES.matcher(path).matches();
    }

    /** One model repository: commits, branches and tags, and who may read it. */
    public final class Repo {
        private final String id;
        private final Map<String, Commit> commits = new ConcurrentHashMap<>();
        private final Map<String, String> refs = new ConcurrentHashMap<>();
        private final Map<String, Boolean> granted = new ConcurrentHashMap<>();
        private volatile boolean privateRepo;
        private volatile boolean gated;
        private int commitCount;

        Repo(String id) {
            this.id = id;
        }

        /** The repository's id, {@code owner/name}. */
        public String id() {
            return id;
        }

        /** A private repository is visible to granted tokens only; to others it does not exist. */
        public Repo privateRepo(boolean on) {
            privateRepo = on;
            return this;
        }

        /** A gated repository lists its files to anyone and serves them to granted tokens only. */
        public Repo gated(boolean on) {
            gated = on;
            return this;
        }

        /** Grants {@code token} access (for a private or gated repository); the Hub accepts it too. */
        public Repo grant(String token) {
            acceptToken(token);
            granted.put(token, Boolean.TRUE);
            return this;
        }

        /** Commits {@code content} at {@code path} on {@code main}; returns the new commit's sha. */
        public String put(String path, byte[] content) {
            return commit(Map.of(path, content));
        }

        /** Commits several files on {@code main} in one commit; returns its sha. */
        public String commit(Map<String, byte[]> files) {
            Map<String, Blob> blobs = new java.util.LinkedHashMap<>();
            files.forEach((path, content) -> blobs.put(path, blob(path, content.clone())));
            return commitBlobs(blobs, true);
        }

        /** Commits the local {@code file} at {@code path} on {@code main}, served from the file (do not change it). */
        public String putFile(String path, Path file) throws IOException {
            boolean lfs = storedInLfs(path, java.nio.file.Files.size(file));
            Hashes.Of of = Hashes.of(file, !lfs);
            Blob b = new Blob(null, file, of.size(), of.sha256(), of.gitOid(), lfs);
            return commitBlobs(Map.of(path, b), true);
        }

        /**
         * Commits {@code content} at {@code path} without checking the path, as a broken or hostile Hub could list
         * {@code ../x}; returns the commit's sha.
         */
        public String putUnchecked(String path, byte[] content) {
            return commitBlobs(Map.of(path, blob(path, content.clone())), false);
        }

        /** Commits the removal of {@code path} on {@code main}; returns the new commit's sha. */
        public synchronized String delete(String path) {
            Commit head = head();
            NavigableMap<String, Blob> files = new java.util.TreeMap<>(head == null ? Map.of() : head.files());
            files.remove(path);
            return newCommit(files);
        }

        /** Points branch or tag {@code ref} at commit {@code sha}. */
        public Repo ref(String ref, String sha) {
            if (!commits.containsKey(sha)) {
                throw new IllegalArgumentException("no commit " + sha + " in " + id);
            }
            refs.put(ref, sha);
            return this;
        }

        /** The commit {@code ref} (a branch, a tag or a sha) names, or null. */
        public String sha(String ref) {
            Commit c = resolve(ref);
            return c == null ? null : c.sha();
        }

        private Blob blob(String path, byte[] content) {
            return new Blob(
                    content,
                    null,
                    content.length,
                    Hashes.sha256(content),
                    Hashes.gitBlob(content),
                    storedInLfs(path, content.length));
        }

        private synchronized String commitBlobs(Map<String, Blob> add, boolean check) {
            Commit head = head();
            NavigableMap<String, Blob> files = new java.util.TreeMap<>(head == null ? Map.of() : head.files());
            for (Map.Entry<String, Blob> e : add.entrySet()) {
                if (check) {
                    checkPath(files, e.getKey());
                }
                files.put(e.getKey(), e.getValue());
            }
            return newCommit(files);
        }

        private String newCommit(NavigableMap<String, Blob> files) {
            String sha = Hashes.sha1Hex(id + "\n" + (++commitCount) + "\n" + files.keySet());
            commits.put(sha, new Commit(sha, java.util.Collections.unmodifiableNavigableMap(files)));
            refs.put("main", sha);
            return sha;
        }

        /** Git holds no '..', '.', empty or absolute path, nor a file where another needs a folder. */
        private void checkPath(NavigableMap<String, Blob> files, String path) {
            for (String segment : path.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    throw new IllegalArgumentException("git cannot hold the path '" + path + "'");
                }
            }
            for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
                if (files.containsKey(path.substring(0, slash))) {
                    throw new IllegalArgumentException(
                            "git cannot hold '" + path + "': '" + path.substring(0, slash) + "' is a file");
                }
            }
            String below = files.ceilingKey(path + "/");
            if (below != null && below.startsWith(path + "/")) {
                throw new IllegalArgumentException("git cannot hold the file '" + path + "': it is a folder");
            }
        }

        private Commit head() {
            String sha = refs.get("main");
            return sha == null ? null : commits.get(sha);
        }

        Commit resolve(String revision) {
            String sha =
                    revision.matches("[0-9a-f]{40}") && commits.containsKey(revision) ? revision : refs.get(revision);
            return sha == null ? null : commits.get(sha);
        }
    }

    // ------------------------------------------------------------------ the Hub

    private void handleHub(HttpExchange ex) {
        String raw = ex.getRequestURI().getRawPath();
        Target target = raw.startsWith("/api/") ? Target.API : Target.RESOLVE;
        try (ex) {
            if (fault(ex, target)) {
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? auth.substring(7).trim()
                    : null;
            if (auth != null && (token == null || !state.tokens.containsKey(token))) {
                hubError(ex, 401, null, "Invalid credentials in Authorization header");
                return;
            }
            List<String> seg = segments(raw);
            if (target == Target.API && seg.size() >= 6 && seg.get(1).equals("models")) {
                Repo repo = visible(ex, seg.get(2) + "/" + seg.get(3), token);
                if (repo == null) {
                    return;
                }
                Commit commit = revision(ex, repo, seg.get(5));
                if (commit == null) {
                    return;
                }
                if (seg.get(4).equals("revision") && seg.size() == 6) {
                    revisionInfo(ex, repo, commit);
                } else if (seg.get(4).equals("tree")) {
                    tree(ex, repo, commit, String.join("/", seg.subList(6, seg.size())), seg.get(5));
                } else {
                    hubError(ex, 404, null, "Not Found");
                }
                return;
            }
            if (target == Target.RESOLVE && seg.size() >= 5 && seg.get(2).equals("resolve")) {
                Repo repo = visible(ex, seg.get(0) + "/" + seg.get(1), token);
                if (repo == null) {
                    return;
                }
                if (repo.gated && (token == null || !repo.granted.containsKey(token))) {
                    hubError(
                            ex,
                            token == null ? 401 : 403,
                            "GatedRepo",
                            token == null
                                    ? "Access to model " + repo.id + " is restricted. You must have access to it and"
                                            + " be authenticated to access it. Please log in."
                                    : "Access to model " + repo.id + " is restricted and you are not in the"
                                            + " authorized list. Visit https://huggingface.co/" + repo.id
                                            + " to ask for access.");
                    return;
                }
                Commit commit = revision(ex, repo, seg.get(3));
                if (commit != null) {
                    resolve(ex, repo, commit, String.join("/", seg.subList(4, seg.size())));
                }
                return;
            }
            hubError(ex, 404, null, "Not Found");
        } catch (IOException | RuntimeException e) {
            // the client sees a cut connection
        } finally {
            record(target, ex);
        }
    }

    /** The repository when the caller may see it; otherwise the Hub's answer was sent and null returned. */
    private Repo visible(HttpExchange ex, String id, String token) throws IOException {
        Repo repo = state.repos.get(id);
        if (repo == null || repo.privateRepo && (token == null || !repo.granted.containsKey(token))) {
            hubError(
                    ex,
                    token == null ? 401 : 404,
                    "RepoNotFound",
                    token == null ? "Invalid username or password." : "Repository not found");
            return null;
        }
        return repo;
    }

    private Commit revision(HttpExchange ex, Repo repo, String revision) throws IOException {
        Commit c = repo.resolve(revision);
        if (c == null) {
            hubError(ex, 404, "RevisionNotFound", "Invalid rev id: " + revision);
        }
        return c;
    }

    private void revisionInfo(HttpExchange ex, Repo repo, Commit commit) throws IOException {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("_id", Hashes.sha1Hex(repo.id).substring(0, 24));
        m.put("id", repo.id);
        m.put("modelId", repo.id);
        m.put("author", repo.id.substring(0, repo.id.indexOf('/')));
        m.put("sha", commit.sha());
        m.put("private", repo.privateRepo);
        m.put("gated", repo.gated ? "manual" : Boolean.FALSE);
        m.put("disabled", Boolean.FALSE);
        List<Object> siblings = new ArrayList<>();
        commit.files().keySet().forEach(p -> siblings.add(Map.of("rfilename", p)));
        m.put("siblings", siblings);
        sendJson(ex, 200, Json.write(m));
    }

    /** Files and directories under {@code path} (all of them when recursive), a page at a time. */
    private void tree(HttpExchange ex, Repo repo, Commit commit, String path, String rawRevision) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        boolean recursive = "true".equalsIgnoreCase(q.get("recursive"));
        String prefix = path.isEmpty() ? "" : path + "/";
        String first = commit.files().ceilingKey(prefix);
        if (!path.isEmpty() && (first == null || !first.startsWith(prefix))) {
            hubError(ex, 404, "EntryNotFound", path + " does not exist on \"" + commit.sha() + "\"");
            return;
        }
        List<Map<String, Object>> entries = new ArrayList<>();
        java.util.Set<String> dirs = new java.util.HashSet<>();
        for (Map.Entry<String, Blob> e : commit.files().tailMap(prefix, true).entrySet()) {
            String p = e.getKey();
            if (!p.startsWith(prefix)) {
                break;
            }
            String rest = p.substring(prefix.length());
            int slash = rest.indexOf('/');
            for (int d = slash; d >= 0; d = recursive ? rest.indexOf('/', d + 1) : -1) {
                String dir = prefix + rest.substring(0, d);
                if (dirs.add(dir)) {
                    entries.add(directoryEntry(dir));
                }
            }
            if (recursive || slash < 0) {
                entries.add(fileEntry(p, e.getValue()));
            }
        }
        int from = 0;
        if (q.containsKey("cursor")) {
            from = Integer.parseInt(new String(Base64.getUrlDecoder().decode(q.get("cursor")), StandardCharsets.UTF_8));
        }
        int to = Math.min(entries.size(), from + state.pageSize);
        if (to < entries.size()) {
            String cursor = Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(String.valueOf(to).getBytes(StandardCharsets.UTF_8));
            String next = endpoint() + "/api/models/" + repo.id + "/tree/" + rawRevision
                    + (path.isEmpty() ? "" : "/" + encodePath(path)) + "?recursive=" + recursive
                    + "&expand=false&cursor=" + cursor;
            ex.getResponseHeaders().add("Link", "<" + next + ">; rel=\"next\"");
        }
        sendJson(ex, 200, Json.write(entries.subList(from, to)));
    }

    private static Map<String, Object> directoryEntry(String dir) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("type", "directory");
        m.put("oid", Hashes.sha1Hex("tree " + dir));
        m.put("size", 0L);
        m.put("path", dir);
        return m;
    }

    private static Map<String, Object> fileEntry(String path, Blob b) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("type", "file");
        m.put("oid", b.treeOid());
        m.put("size", b.size());
        if (b.lfs()) {
            m.put("lfs", Map.of("oid", b.sha256(), "size", b.size(), "pointerSize", (long)
                    b.pointer().length()));
            m.put("xetHash", Hashes.sha256(b.sha256().getBytes(StandardCharsets.US_ASCII)));
        }
        m.put("path", path);
        return m;
    }

    private void resolve(HttpExchange ex, Repo repo, Commit commit, String path) throws IOException {
        Blob b = commit.files().get(path);
        if (b == null) {
            hubError(ex, 404, "EntryNotFound", path + " does not exist on \"" + commit.sha() + "\"");
            return;
        }
        var h = ex.getResponseHeaders();
        h.add("X-Repo-Commit", commit.sha());
        if (b.lfs()) {
            String signature = UUID.randomUUID().toString().replace("-", "");
            state.signatures.put(signature, new Grant(b, path));
            h.add("X-Linked-Etag", "\"" + b.sha256() + "\"");
            h.add("X-Linked-Size", Long.toString(b.size()));
            h.add(
                    "Location",
                    cdnBase + "/repos/" + b.sha256().substring(0, 2) + "/" + b.sha256()
                            + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=" + signature);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        h.add("ETag", "\"" + b.gitOid() + "\"");
        serve(ex, b, path);
    }

    // ------------------------------------------------------------------ the CDN

    private void handleCdn(HttpExchange ex) {
        try (ex) {
            if (fault(ex, Target.CDN)) {
                return;
            }
            if (ex.getRequestHeaders().containsKey("Authorization")) {
                state.refusedForAuthorization.incrementAndGet();
                cdnError(
                        ex,
                        400,
                        "InvalidArgument",
                        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query"
                                + " string parameter or the Authorization header should be specified");
                return;
            }
            String signature = query(ex.getRequestURI().getRawQuery()).get("X-Amz-Signature");
            Grant grant = signature == null ? null : state.signatures.get(signature);
            if (grant == null
                    || !ex.getRequestURI()
                            .getRawPath()
                            .endsWith("/" + grant.blob().sha256())) {
                cdnError(ex, 403, "AccessDenied", "Request has expired");
                return;
            }
            ex.getResponseHeaders().add("ETag", "\"" + grant.blob().sha256().substring(0, 32) + "\"");
            serve(ex, grant.blob(), grant.path());
        } catch (IOException | RuntimeException e) {
            // the client sees a cut connection
        } finally {
            record(Target.CDN, ex);
        }
    }

    // ------------------------------------------------------------------ bodies, faults, errors

    /** Sends {@code b}, or the range the request asks for, with the per-path faults applied. */
    private void serve(HttpExchange ex, Blob b, String path) throws IOException {
        long from = 0;
        long to = b.size() - 1;
        boolean ranged = false;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            Matcher m = RANGE.matcher(range.trim());
            if (m.matches()) {
                ranged = true;
                from = Long.parseLong(m.group(1));
                if (!m.group(2).isEmpty()) {
                    to = Math.min(to, Long.parseLong(m.group(2)));
                }
                if (from >= b.size() || from > to) {
                    ex.getResponseHeaders().add("Content-Range", "bytes */" + b.size());
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
            }
        }
        long length = b.size() == 0 ? 0 : to - from + 1;
        var h = ex.getResponseHeaders();
        h.add("Content-Type", "application/octet-stream");
        h.add("Accept-Ranges", "bytes");
        if (ranged) {
            h.add("Content-Range", "bytes " + from + "-" + to + "/" + b.size());
        }
        if (ex.getRequestMethod().equals("HEAD")) {
            h.add("Content-Length", Long.toString(length));
            ex.sendResponseHeaders(ranged ? 206 : 200, -1);
            return;
        }
        ex.sendResponseHeaders(ranged ? 206 : 200, length == 0 ? -1 : length);
        if (length == 0) {
            return;
        }
        AtomicInteger corrupt = state.corrupt.get(path);
        boolean flip = corrupt != null && corrupt.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        Stall stall = state.stalls.remove(path);
        long stopAt = stall == null ? Long.MAX_VALUE : stall.afterBytes();
        OutputStream out = ex.getResponseBody();
        byte[] buf = new byte[256 << 10];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        try (FileChannel ch = b.file() == null ? null : FileChannel.open(b.file(), StandardOpenOption.READ)) {
            long pos = from;
            long sent = 0;
            while (sent < length) {
                int n = (int) Math.min(Math.min(buf.length, length - sent), Math.max(0, stopAt - sent));
                if (n == 0) {
                    state.stalled.incrementAndGet();
                    out.flush();
                    sleep(stall.hold());
                    throw new IOException("stalled on purpose");
                }
                if (ch == null) {
                    System.arraycopy(b.content(), (int) pos, buf, 0, n);
                } else {
                    bb.clear().limit(n);
                    n = ch.read(bb, pos);
                    if (n < 0) {
                        throw new IOException("file shrank: " + b.file());
                    }
                }
                if (flip && sent == 0) {
                    buf[0] ^= 0x5a;
                    state.corrupted.incrementAndGet();
                }
                out.write(buf, 0, n);
                pos += n;
                sent += n;
            }
        }
    }

    /** Answers with the armed fault for {@code target}, if any; true when it did. */
    private boolean fault(HttpExchange ex, Target target) throws IOException {
        Fault f = state.faults.get(target);
        if (f == null || f.left().getAndUpdate(n -> Math.max(0, n - 1)) <= 0) {
            return false;
        }
        if (f.status() == 429) {
            var h = ex.getResponseHeaders();
            h.add("Retry-After", Integer.toString(f.retryAfterSeconds()));
            h.add("RateLimit", "\"api\";r=0;t=" + f.retryAfterSeconds());
            h.add("RateLimit-Policy", "\"fixed window\";\"api\";q=500;w=300");
            hubError(ex, 429, null, "You have exceeded our hourly quotas for action 'api'. Retry later.");
        } else {
            hubError(ex, f.status(), null, "Internal Error - We're working hard to fix this as soon as possible!");
        }
        return true;
    }

    private static void hubError(HttpExchange ex, int status, String code, String message) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().add("X-Error-Code", code);
        }
        ex.getResponseHeaders().add("X-Error-Message", message);
        sendJson(ex, status, Json.write(Map.of("error", message)));
    }

    private static void cdnError(HttpExchange ex, int status, String code, String message) throws IOException {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                        + "</Message></Error>")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/xml");
        ex.sendResponseHeaders(status, ex.getRequestMethod().equals("HEAD") ? -1 : body.length);
        if (!ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseBody().write(body);
        }
    }

    private static void sendJson(HttpExchange ex, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private void record(Target target, HttpExchange ex) {
        if (state.recording) {
            state.seen.add(new Seen(
                    target,
                    ex.getRequestMethod(),
                    ex.getRequestURI().getRawPath(),
                    ex.getRequestHeaders().containsKey("Authorization"),
                    ex.getResponseCode()));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The decoded segments of a raw path, without the leading empty one. */
    private static List<String> segments(String raw) {
        List<String> out = new ArrayList<>();
        for (String s : raw.substring(1).split("/", -1)) {
            out.add(HttpText.decodePath(s));
        }
        return out;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        if (raw != null) {
            for (String p : raw.split("&")) {
                int eq = p.indexOf('=');
                if (!p.isEmpty()) {
                    m.putIfAbsent(
                            HttpText.decodePath(eq < 0 ? p : p.substring(0, eq)),
                            eq < 0 ? "" : HttpText.decodePath(p.substring(eq + 1)));
                }
            }
        }
        return m;
    }

    private static String encodePath(String s) {
        return HttpText.encodePath(s);
    }
}
