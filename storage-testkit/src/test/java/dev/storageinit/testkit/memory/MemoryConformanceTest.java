package dev.storageinit.testkit.memory;

import dev.storageinit.CredentialSource;
import dev.storageinit.Storage;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.Faults;
import dev.storageinit.testkit.StoreFixture;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The conformance suite against the in-memory store: faults through its own API, a token as its credentials. It is
 * handed to the storage directly (it is not registered for ServiceLoader).
 */
class MemoryConformanceTest extends ConformanceSuite {
    private static final String TOKEN = "mem-token-of-the-suite";
    private final MemoryProvider memory = new MemoryProvider();

    @Override
    protected StorageProvider provider() {
        return memory;
    }

    @Override
    protected Storage.Builder storage() {
        return super.storage().providers(List.of(memory));
    }

    @Override
    protected StoreFixture createFixture() {
        memory.requireToken(TOKEN);
        return new StoreFixture() {
            @Override
            public String uri(String path) {
                return "mem://" + MemoryProvider.BUCKET + "/" + path;
            }

            @Override
            public CredentialSource settings() {
                return CredentialSource.of(Map.of(MemoryProvider.TOKEN, TOKEN));
            }

            @Override
            public void put(String key, byte[] content) {
                memory.put(key, content);
            }

            @Override
            public Optional<Faults> faults() {
                return Optional.of(memory.freshFaults());
            }

            @Override
            public String missingContainerUri() {
                return "mem://no-such-bucket/model";
            }

            @Override
            public String wrongCredentialsVariable() {
                return MemoryProvider.TOKEN;
            }

            @Override
            public Optional<CredentialSource> wrongCredentials() {
                return Optional.of(CredentialSource.of(Map.of(MemoryProvider.TOKEN, "not-" + TOKEN)));
            }
        };
    }
}
