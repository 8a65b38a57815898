package dev.storageinit.internal;

import dev.storageinit.spi.support.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The record of what a download published: the source, each file's key, size, version, checksum and local
 * modification time, and whether the whole download completed. A later run of the same source skips files whose
 * entry still matches both the store and the local file. Kept by default as {@value #FILE_NAME} in the
 * destination's bookkeeping directory (see {@link Destination}).
 */
public final class Manifest {
    /** File name of the manifest inside the bookkeeping directory. */
    public static final String FILE_NAME = "manifest.json";

    /**
     * One published file.
     *
     * @param key the object key
     * @param size bytes
     * @param version the store's version (ETag, generation), or null
     * @param checksum "ALGORITHM:hex", or null
     * @param localModifiedMillis the local file's modification time right after publishing
     */
    public record Entry(String key, long size, String version, String checksum, long localModifiedMillis) {}

    private final String source;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile boolean complete;

    public Manifest(String source) {
        this.source = source;
    }

    public void markComplete() {
        complete = true;
    }

    public Entry get(String relativePath) {
        return entries.get(relativePath);
    }

    public void put(String relativePath, Entry entry) {
        entries.put(relativePath, entry);
    }

    /**
     * Reads the manifest {@code file} if it exists and was written for {@code source}; otherwise (missing, other
     * source, unreadable, a link) an empty one: a re-download is always safe.
     */
    public static Manifest readFor(Path file, String source) {
        Manifest m = new Manifest(source);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return m;
        }
        try {
            Object parsed = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (!(parsed instanceof Map)) {
                return m;
            }
            Map<?, ?> root = (Map<?, ?>) parsed;
            if (!Objects.equals(root.get("source"), source) || !(root.get("files") instanceof Map)) {
                return m;
            }
            for (Map.Entry<?, ?> e : ((Map<?, ?>) root.get("files")).entrySet()) {
                Map<?, ?> f = (Map<?, ?>) e.getValue();
                m.put(
                        (String) e.getKey(),
                        new Entry(
                                (String) f.get("key"),
                                ((Number) f.get("size")).longValue(),
                                (String) f.get("version"),
                                (String) f.get("checksum"),
                                ((Number) f.get("mtime")).longValue()));
            }
            return m;
        } catch (IOException | RuntimeException e) {
            return new Manifest(source);
        }
    }

    /**
     * Writes the manifest to {@code file} atomically: a new temporary file beside it (created exclusively, so a link
     * planted there is never followed) renamed over the old one (a rename replaces a link, never writes through it).
     */
    public void write(Path file) throws IOException {
        Map<String, Object> files = new TreeMap<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry v = e.getValue();
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("key", v.key());
            f.put("size", v.size());
            f.put("version", v.version());
            f.put("checksum", v.checksum());
            f.put("mtime", v.localModifiedMillis());
            files.put(e.getKey(), f);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", 1);
        root.put("source", source);
        root.put("complete", complete);
        root.put("updated", Instant.now().toString());
        root.put("fileCount", files.size());
        root.put("files", files);
        // written with CREATE_NEW: the name only has to be new, not unguessable
        Path tmp = file.resolveSibling(file.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.writeString(
                    tmp,
                    Json.write(root) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            Destination.moveIntoPlace(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
