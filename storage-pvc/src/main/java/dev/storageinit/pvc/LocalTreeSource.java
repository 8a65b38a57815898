package dev.storageinit.pvc;

import dev.storageinit.IntegrityException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.LocalObjectSource;
import dev.storageinit.spi.RemoteObject;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/** A directory tree read as a container: keys are '/'-separated paths below {@code root}. Follows symlinks. */
final class LocalTreeSource implements LocalObjectSource {
    private final String uri;
    private final Path root;
    private final String key;

    LocalTreeSource(String uri, Path root, String key) {
        this.uri = uri;
        this.root = root;
        this.key = key;
    }

    @Override
    public String key() {
        return key;
    }

    private Path fileOf(String k) {
        Path p = root;
        for (String segment : k.split("/")) {
            if (!segment.isEmpty()) {
                p = p.resolve(segment);
            }
        }
        return p;
    }

    private static String versionOf(BasicFileAttributes attrs) {
        return "mtime:" + attrs.lastModifiedTime().toMillis() + ",size:" + attrs.size();
    }

    /** The whole tree in one page: a walk of a local file system has no continuation token to resume from. */
    @Override
    public ListPage list(String prefix, String pageToken) throws StorageException {
        Path dir = fileOf(prefix);
        List<RemoteObject> objects = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return ListPage.last(objects);
        }
        String separator = root.getFileSystem().getSeparator();
        try {
            Files.walkFileTree(
                    dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile()) {
                                String rel = dir.relativize(file).toString().replace(separator, "/");
                                objects.add(new RemoteObject(prefix + rel, attrs.size(), versionOf(attrs), List.of()));
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                            if (e instanceof FileSystemLoopException) {
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            throw e;
                        }
                    });
        } catch (AccessDeniedException e) {
            throw new dev.storageinit.AccessDeniedException(uri, "permission denied reading " + e.getFile(), e);
        } catch (IOException e) {
            throw TransferException.fatal(uri, "cannot list " + dir + ": " + e, e);
        }
        return ListPage.last(objects);
    }

    @Override
    public Optional<RemoteObject> stat(String k) throws StorageException {
        Path file = fileOf(k);
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            return attrs.isRegularFile()
                    ? Optional.of(new RemoteObject(k, attrs.size(), versionOf(attrs), List.of()))
                    : Optional.empty();
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new dev.storageinit.AccessDeniedException(uri, "permission denied reading " + file, e);
        } catch (IOException e) {
            throw TransferException.fatal(uri, "cannot read " + file + ": " + e, e);
        }
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        Path file = localFile(object);
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            try {
                checkUnchanged(object);
            } catch (StorageException e) {
                channel.close();
                throw e;
            }
            channel.position(offset);
            return new BoundedStream(Channels.newInputStream(channel), length);
        } catch (StorageException e) {
            throw e;
        } catch (AccessDeniedException e) {
            throw new dev.storageinit.AccessDeniedException(uri, "permission denied reading " + file, e);
        } catch (IOException e) {
            throw TransferException.fatal(uri, "cannot read " + file + ": " + e, e);
        }
    }

    @Override
    public Path localFile(RemoteObject object) {
        return fileOf(object.key());
    }

    @Override
    public void checkUnchanged(RemoteObject object) throws StorageException {
        Path file = localFile(object);
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            if (object.version() != null && !object.version().equals(versionOf(attrs))) {
                throw new IntegrityException(uri, object.key() + " changed while it was being copied");
            }
        } catch (StorageException e) {
            throw e;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IntegrityException(uri, object.key() + " was removed while it was being copied");
        } catch (AccessDeniedException e) {
            throw new dev.storageinit.AccessDeniedException(uri, "permission denied reading " + file, e);
        } catch (IOException e) {
            throw new TransferException(uri, "cannot read " + file + ": " + e, false, e);
        }
    }

    /** Ends after {@code remaining} bytes. */
    private static final class BoundedStream extends FilterInputStream {
        private long remaining;

        BoundedStream(InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }
}
