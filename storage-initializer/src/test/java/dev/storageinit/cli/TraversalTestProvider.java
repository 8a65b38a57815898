package dev.storageinit.cli;

import dev.storageinit.ModelUri;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.StorageProvider;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Test-only provider for {@code evil://bucket/model}: a hostile store whose listing holds a good file and a key
 * that climbs out of the destination. No real server can serve such a key to the CLI in-process, so this stands in
 * for one; the providers' own conformance tests cover real servers.
 */
public final class TraversalTestProvider implements StorageProvider {
    @Override
    public String name() {
        return "evil-test";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("evil");
    }

    @Override
    public ObjectSource open(ModelUri uri, SourceContext context) {
        return new ObjectSource() {
            @Override
            public String key() {
                return uri.path();
            }

            @Override
            public ListPage list(String prefix, String pageToken) {
                return ListPage.last(List.of(
                        RemoteObject.of(prefix + "good.txt", 4), RemoteObject.of(prefix + "../../escape.txt", 4)));
            }

            @Override
            public Optional<RemoteObject> stat(String key) {
                return Optional.empty();
            }

            @Override
            public InputStream read(RemoteObject object, long offset, long length) {
                return new ByteArrayInputStream("data".getBytes(), (int) offset, (int) length);
            }
        };
    }
}
