package dev.storageinit.internal;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.StorageProvider;
import dev.storageinit.spi.StorageProvider.Match;
import dev.storageinit.spi.support.RcloneRemote;
import dev.storageinit.spi.support.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** The providers of one {@link dev.storageinit.Storage} instance and the dispatch between them. */
public final class ProviderRegistry {
    private final List<StorageProvider> providers;

    private ProviderRegistry(List<StorageProvider> providers) {
        List<StorageProvider> sorted = new ArrayList<>(providers);
        // a plain lambda: Comparator.comparing's serializable one is generated at run time, never from the AOT cache
        sorted.sort((a, b) -> a.name().compareTo(b.name()));
        this.providers = List.copyOf(sorted);
    }

    /** The providers {@link ServiceLoader} finds through {@code loader}. */
    public static ProviderRegistry load(ClassLoader loader) {
        List<StorageProvider> found = new ArrayList<>();
        ServiceLoader.load(StorageProvider.class, loader).forEach(found::add);
        return new ProviderRegistry(found);
    }

    /** Exactly these providers. */
    public static ProviderRegistry of(List<StorageProvider> providers) {
        return new ProviderRegistry(providers);
    }

    /**
     * The provider that claims {@code uri} most strongly. When the URI's scheme names an rclone remote
     * ({@code RCLONE_CONFIG_<REMOTE>_TYPE} is set), the remote's type decides: the providers listing it in
     * {@link StorageProvider#rcloneTypes()} claim the URI exactly and no other provider claims it (an rclone remote
     * named {@code gs} of type s3 is S3's, one of a type no provider serves is no one's).
     *
     * @throws InvalidUriException when none claims it, listing the installed providers and their schemes
     * @throws ConfigurationException when two claim it equally, naming both
     */
    public StorageProvider select(ModelUri uri, CredentialSource settings)
            throws InvalidUriException, ConfigurationException {
        Optional<RcloneRemote> remote = RcloneRemote.of(uri, Settings.of(settings, uri.redacted()));
        Match best = Match.NONE;
        List<StorageProvider> winners = new ArrayList<>();
        for (StorageProvider p : providers) {
            Match m = remote.isPresent()
                    ? (remote.get().isOneOf(p.rcloneTypes()) ? Match.EXACT : Match.NONE)
                    : p.match(uri, settings);
            if (m.compareTo(best) > 0) {
                best = m;
                winners.clear();
            }
            if (m == best && m != Match.NONE) {
                winners.add(p);
            }
        }
        if (winners.isEmpty() && remote.isPresent()) {
            throw new InvalidUriException(
                    uri.redacted(),
                    remote.get().variable("TYPE") + " declares an rclone remote "
                            + "of type '" + remote.get().type() + "', which no installed provider serves; installed: "
                            + String.join(", ", describeTypes()));
        }
        if (winners.isEmpty()) {
            String installed = providers.isEmpty()
                    ? "none (add a storage-* module to the classpath)"
                    : String.join(", ", describe());
            throw new InvalidUriException(
                    uri.redacted(),
                    "no installed provider handles scheme '" + uri.scheme() + "'; installed: " + installed);
        }
        if (winners.size() > 1) {
            List<String> names = new ArrayList<>();
            for (StorageProvider p : winners) {
                names.add(p.name() + " (" + p.getClass().getName() + ")");
            }
            throw new ConfigurationException(
                    uri.redacted(),
                    "ambiguous: providers " + String.join(" and ", names) + " both claim this URI; remove one");
        }
        return winners.get(0);
    }

    private List<String> describeTypes() {
        List<String> out = new ArrayList<>();
        for (StorageProvider p : providers) {
            out.add(p.name() + " (rclone types: " + String.join(", ", new TreeSet<>(p.rcloneTypes())) + ")");
        }
        return out;
    }

    /** "name (scheme, scheme)" for each provider, by name. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (StorageProvider p : providers) {
            out.add(p.name() + " (" + String.join(", ", new TreeSet<>(p.schemes())) + ")");
        }
        return out;
    }
}
