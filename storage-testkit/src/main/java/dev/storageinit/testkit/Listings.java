package dev.storageinit.testkit;

import dev.storageinit.StorageException;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import java.util.ArrayList;
import java.util.List;

/** Reads a source's whole listing, page by page, for tests that look at what a provider lists. */
public final class Listings {
    private Listings() {}

    /** Every object under {@code prefix}, in the order listed, following each page's token. */
    public static List<RemoteObject> all(ObjectSource source, String prefix) throws StorageException {
        List<RemoteObject> all = new ArrayList<>();
        String token = null;
        do {
            ListPage page = source.list(prefix, token);
            all.addAll(page.objects());
            token = page.nextToken();
        } while (token != null);
        return all;
    }
}
