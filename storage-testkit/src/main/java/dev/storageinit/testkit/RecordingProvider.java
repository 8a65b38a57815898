package dev.storageinit.testkit;

import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import dev.storageinit.StorageException;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** Wraps a provider and records every ranged read its sources serve, so tests can see how objects were fetched. */
public final class RecordingProvider implements StorageProvider {

    /** One {@link ObjectSource#read} call. */
    public record Read(String key, long offset, long length) {}

    private final StorageProvider delegate;
    private final List<Read> reads = new CopyOnWriteArrayList<>();

    public RecordingProvider(StorageProvider delegate) {
        this.delegate = delegate;
    }

    /** The reads so far, in call order. */
    public List<Read> reads() {
        return List.copyOf(reads);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Set<String> schemes() {
        return delegate.schemes();
    }

    @Override
    public Match match(ModelUri uri, CredentialSource settings) {
        return delegate.match(uri, settings);
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) throws StorageException {
        ObjectSource source = delegate.open(uri, context);
        return new ObjectSource() {
            @Override
            public String key() {
                return source.key();
            }

            @Override
            public ListPage list(String prefix, String pageToken) throws StorageException {
                return source.list(prefix, pageToken);
            }

            @Override
            public Optional<RemoteObject> stat(String key) throws StorageException {
                return source.stat(key);
            }

            @Override
            public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
                reads.add(new Read(object.key(), offset, length));
                return source.read(object, offset, length);
            }

            @Override
            public void close() {
                source.close();
            }
        };
    }
}
