package dev.storageinit.hf;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.http.HttpText;
import dev.storageinit.spi.http.JdkHttp;
import dev.storageinit.spi.http.RangedGet;
import dev.storageinit.spi.http.Response;
import dev.storageinit.spi.http.Signer;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Json;
import dev.storageinit.spi.support.Redactor;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One model repository of the Hub at one commit. The revision is resolved to its commit once, on the first listing
 * ({@code /api/models/{repo}/revision/{revision}}), and every later request names that commit: the tree
 * ({@code /api/models/{repo}/tree/{commit}?recursive=true}, page by page through {@code Link: rel="next"}) and each
 * file ({@code /{repo}/resolve/{commit}/{path}}), so a branch that moves during the download cannot mix two commits.
 * A file kept in git is served by the Hub; an LFS file is redirected to a presigned CDN URL, followed by the shared
 * {@link RangedGet} with the token sent to the Hub's own origin only, and remembered per file so that its other
 * ranges go to the CDN directly (one Hub request per file, not per range); an expired one is resolved again. Files
 * are read with {@link RangedGet#readDirect} (a multi-GiB shard costs half the CPU and no garbage that way), the
 * revision and the tree with {@link RangedGet#send}.
 * Every file is verified by the engine: LFS files by SHA-256 against {@code lfs.oid}, the others by their git blob id.
 */
final class HfObjectSource implements ObjectSource {
    private static final System.Logger LOG = Redactor.logger(HfObjectSource.class.getName());
    /** KServe's hint for refused Hub credentials. */
    static final String HINT = "Set HF_TOKEN or request access to the gated repository";

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final HfRepo repo;
    private final HubSettings hub;
    private final String shown;
    private final Failures failures;
    private final JdkHttp http;
    private final RangedGet get;
    private final String base;
    /**
     * The CDN URL each LFS file was redirected to (null for a file the Hub serves itself), asked of the Hub by the
     * file's first read while its other reads wait.
     */
    private final Map<String, CompletableFuture<URI>> cdn = new ConcurrentHashMap<>();

    private volatile String commit;

    HfObjectSource(HfRepo repo, HubSettings hub, String shown, JdkHttp http) {
        this.repo = repo;
        this.hub = hub;
        this.shown = shown;
        this.failures = new Failures(shown);
        this.http = http;
        this.base = hub.endpoint().toString();
        this.get = RangedGet.builder(http, failures, hub.endpoint())
                .signer(
                        hub.token() == null
                                ? Signer.NONE
                                : request -> request.set("Authorization", "Bearer " + hub.token()))
                .readTimeout(hub.readTimeout())
                .timeoutSettings(null, hub.readTimeoutSetting())
                .refusal(this::refused)
                .build();
        LOG.log(Level.INFO, "hf: {0}: Hub {1}; token: {2}", shown, base, hub.tokenSource());
    }

    /** The whole repository: an hf URI names no sub-path. */
    @Override
    public String key() {
        return "";
    }

    /**
     * One page of the files under {@code prefix}: the first when {@code pageToken} is null (resolving the revision to
     * its commit the first time), else the page it names: the next-page URL the Hub gave in {@code Link}.
     */
    @Override
    public ListPage list(String prefix, String pageToken) throws StorageException {
        URI url = pageToken == null
                ? URI.create(base + "/api/models/" + repoPath() + "/tree/" + commit() + "?recursive=true&expand=false")
                : URI.create(pageToken);
        String what = "listing the files of " + repo.id() + " at " + commit();
        Response r = get.send("GET", url, Map.of());
        if (r.status() != 200) {
            throw get.refused(r, what);
        }
        Object json = parse(r.bytes(what), what);
        if (!(json instanceof List<?> entries)) {
            throw unreadable(what, "not a JSON array");
        }
        List<RemoteObject> objects = new ArrayList<>(entries.size());
        for (Object e : entries) {
            RemoteObject o = file(e, what);
            if (o != null && o.key().startsWith(prefix)) {
                objects.add(o);
            }
        }
        Optional<String> link = HttpText.linkNext(r.headers());
        try {
            return new ListPage(
                    objects, link.map(l -> r.location().resolve(l).toString()).orElse(null));
        } catch (IllegalArgumentException e) {
            throw unreadable(what, "a next-page link that is no URL");
        }
    }

    /** A tree entry as an object with its checksum; null for a directory. */
    private RemoteObject file(Object entry, String what) throws TransferException {
        if (!(entry instanceof Map<?, ?> m) || !(m.get("path") instanceof String path)) {
            throw unreadable(what, "an entry without a path");
        }
        if (!"file".equals(m.get("type"))) {
            return null;
        }
        if (m.get("lfs") instanceof Map<?, ?> lfs) {
            if (!(lfs.get("oid") instanceof String oid && SHA256.matcher(oid).matches())
                    || !(lfs.get("size") instanceof Long size)) {
                throw unreadable(what, "'" + path + "' has no SHA-256 and size in its lfs entry");
            }
            return new RemoteObject(path, size, oid, Checksum.ofHex(Checksum.Algorithm.SHA256, oid));
        }
        if (!(m.get("oid") instanceof String oid && SHA1.matcher(oid).matches())
                || !(m.get("size") instanceof Long size)) {
            throw unreadable(what, "'" + path + "' has no git blob id and size");
        }
        return new RemoteObject(path, size, oid, Checksum.ofHex(Checksum.Algorithm.GIT_BLOB_SHA1, oid));
    }

    /** The commit the revision names, asked of the Hub once. */
    String commit() throws StorageException {
        String c = commit;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (commit == null) {
                String what = "resolving revision '" + repo.revision() + "' of " + repo.id();
                URI url = URI.create(base + "/api/models/" + repoPath() + "/revision/"
                        + HttpText.encodePath(repo.revision()).replace("/", "%2F"));
                Response r = get.send("GET", url, Map.of());
                if (r.status() != 200) {
                    throw get.refused(r, what);
                }
                if (!(parse(r.bytes(what), what) instanceof Map<?, ?> info
                        && info.get("sha") instanceof String sha
                        && SHA1.matcher(sha).matches())) {
                    throw unreadable(what, "no commit sha");
                }
                commit = sha;
                LOG.log(Level.INFO, "hf: {0}: revision {1} is commit {2}", shown, repo.revision(), sha);
            }
            return commit;
        }
    }

    /** An hf URI names a repository, never one file: there is no single object to find. */
    @Override
    public Optional<RemoteObject> stat(String key) {
        return Optional.empty();
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        boolean whole = offset == 0 && length == object.size();
        RangedGet.Part part = new RangedGet.Part(offset, length, object.size(), null, null, !whole);
        String what = "GET " + (whole ? "" : "bytes " + offset + "-" + (offset + length - 1) + " of ") + "'"
                + object.key() + "'";
        URI resolve =
                URI.create(base + "/" + repoPath() + "/resolve/" + commit() + "/" + HttpText.encodePath(object.key()));
        for (boolean again = false; ; again = true) {
            CompletableFuture<URI> mine = new CompletableFuture<>();
            CompletableFuture<URI> known = cdn.putIfAbsent(object.key(), mine);
            if (known == null) {
                try {
                    RangedGet.Read read = get.readDirect(resolve, part, what);
                    mine.complete(read.location().equals(resolve) ? null : read.location());
                    return read.body();
                } catch (StorageException | RuntimeException e) {
                    cdn.remove(object.key(), mine);
                    mine.complete(null);
                    throw e;
                }
            }
            URI location = known.join(); // null: the Hub serves the file itself, or the first try failed
            if (location == null) {
                return get.readDirect(resolve, part, what).body();
            }
            try {
                return get.readDirect(location, part, what).body();
            } catch (AccessDeniedException | NotFoundException e) {
                if (again) {
                    throw e;
                }
                cdn.remove(object.key(), known); // an expired presigned URL: ask the Hub again
            }
        }
    }

    @Override
    public void close() {
        http.close();
    }

    // ------------------------------------------------------------------ errors

    /**
     * The Hub's refusals by its {@code X-Error-Code} (huggingface_hub's {@code hf_raise_for_status}): an unknown
     * repository or revision is not found, a gated repository or a refused token is access denied with KServe's
     * hint; a CDN's refusal (an expired presigned URL) goes to the shared mapping.
     */
    private StorageException refused(Response r, String what) {
        int status = r.status();
        String code = r.header("X-Error-Code").orElse(null);
        String answer =
                Failures.answer(status, code, r.header("X-Error-Message").orElse(null));
        if (!HttpText.origin(r.location()).equals(HttpText.origin(hub.endpoint()))) {
            return failures.forStatus(
                    status, what, answer + " from " + HttpText.host(r.location()), "none (a presigned URL)", null);
        }
        if ("RepoNotFound".equals(code)) {
            return new NotFoundException(
                    shown,
                    what + ": repository '" + repo.id() + "' not found on " + base + " (" + answer + "); "
                            + (hub.token() == null
                                    ? "no token was sent: if it is private or gated, " + HINT
                                    : "the token from " + hub.tokenSource() + " does not give access to it"));
        }
        if ("RevisionNotFound".equals(code)) {
            return new NotFoundException(
                    shown,
                    what + ": revision '" + repo.revision() + "' not found in " + repo.id() + " (" + answer + ")");
        }
        if ("EntryNotFound".equals(code)) {
            return new NotFoundException(shown, what + ": not found (" + answer + ")");
        }
        if (status == 401 || status == 403 || "GatedRepo".equals(code)) {
            return new AccessDeniedException(
                    shown,
                    what + ": access denied (" + answer + "); credentials: " + hub.tokenSource() + "; " + HINT,
                    null);
        }
        return failures.forStatus(status, what, answer, hub.tokenSource(), null);
    }

    private Object parse(byte[] body, String what) throws TransferException {
        try {
            return Json.parse(new String(body, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw unreadable(what, "not JSON (" + e.getMessage() + ")");
        }
    }

    private TransferException unreadable(String what, String why) {
        return TransferException.fatal(shown, what + ": unreadable answer from the Hub: " + why, null);
    }

    private String repoPath() {
        return HttpText.encodePath(repo.owner()) + "/" + HttpText.encodePath(repo.name());
    }

    @Override
    public String toString() {
        return "HfObjectSource[" + shown + ", " + hub + "]";
    }
}
