package dev.storageinit.internal;

import dev.storageinit.UnsafePathException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The symbolic links of an archive being extracted: each is checked lexically when its entry is read (relative, and
 * leading neither out of the destination nor into the tool's bookkeeping), created only after every file (so no
 * entry is ever written through one), and checked again on the real file system, so that chains of links cannot
 * escape.
 */
final class ArchiveLinks {
    /** A link to create: where, and its target as the entry gave it (relative to the link's folder). */
    private record PendingLink(Path link, Path target) {}

    private final PathGuard guard;
    private final Path work;
    private final Path realWork;
    private final BiFunction<String, String, UnsafePathException> refuse;
    private final List<PendingLink> pending = new ArrayList<>();

    /**
     * @param guard the work directory's guard
     * @param work the directory extracted into
     * @param refuse the refusal of an entry, by name, and why
     */
    ArchiveLinks(PathGuard guard, Path work, BiFunction<String, String, UnsafePathException> refuse)
            throws IOException {
        this.guard = guard;
        this.work = work;
        this.realWork = work.toRealPath();
        this.refuse = refuse;
    }

    /**
     * Accepts the link entry {@code name} (normalised: {@code norm}) to {@code target}, to be created at
     * {@code link} by {@link #create()}.
     */
    void add(String name, String norm, Path link, String target) throws IOException {
        if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
            throw refuse.apply(name, "it is a link without a target");
        }
        if (target.startsWith("/") || target.startsWith("\\") || target.matches("^[A-Za-z]:.*")) {
            throw refuse.apply(name, "it is a link to the absolute path '" + target + "'");
        }
        // lexical check first: the target, taken from the link's folder, must stay inside
        Deque<String> at = new ArrayDeque<>();
        String[] parts = norm.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            at.addLast(parts[i]);
        }
        for (String seg : target.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (at.isEmpty()) {
                    throw refuse.apply(name, "it is a link to '" + target + "', outside the destination");
                }
                at.removeLast();
            } else {
                at.addLast(seg);
            }
        }
        if (!at.isEmpty() && guard.isReserved(at.getFirst())) {
            throw refuse.apply(name, "it is a link to '" + target + "', the tool's own bookkeeping");
        }
        guard.prepareParent(link);
        pending.add(new PendingLink(
                link,
                work.getFileSystem()
                        .getPath(target.replace("/", work.getFileSystem().getSeparator()))));
    }

    /** Creates the links, after every file, then checks where each really leads. */
    void create() throws IOException {
        for (PendingLink l : pending) {
            try {
                Files.createSymbolicLink(l.link(), l.target());
            } catch (UnsupportedOperationException e) {
                throw refuse.apply(relative(l.link()), "this file system cannot hold symbolic links");
            } catch (FileAlreadyExistsException e) {
                throw refuse.apply(relative(l.link()), "it is a link, and other entries of the archive are inside it");
            }
        }
        for (PendingLink l : pending) {
            Path resolved = realTarget(l.link().getParent().resolve(l.target()));
            if (!resolved.startsWith(realWork)) {
                throw refuse.apply(
                        relative(l.link()),
                        "it is a link to '" + l.target() + "', which resolves outside the destination");
            }
            if (!resolved.equals(realWork)
                    && guard.isReserved(realWork.relativize(resolved).getName(0).toString())) {
                throw refuse.apply(
                        relative(l.link()), "it is a link to '" + l.target() + "', the tool's own bookkeeping");
            }
        }
    }

    private String relative(Path p) {
        return work.relativize(p).toString().replace(work.getFileSystem().getSeparator(), "/");
    }

    /** Where {@code p} really leads: the real path of its deepest existing ancestor plus the rest. */
    private static Path realTarget(Path p) throws IOException {
        Deque<Path> rest = new ArrayDeque<>();
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            if (existing.getFileName() != null) {
                rest.push(existing.getFileName());
            }
            existing = existing.getParent();
        }
        if (existing == null) {
            return p.normalize();
        }
        Path r = existing.toRealPath();
        while (!rest.isEmpty()) {
            r = r.resolve(rest.pop());
        }
        return r.normalize();
    }
}
