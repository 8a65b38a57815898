package dev.storageinit.testkit.memory;

import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.ListPage;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.SourceContext;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/** The bucket of a {@link MemoryProvider} as a source: listing, stat and pinned reads with the injected faults. */
final class MemorySource implements ObjectSource {
    private final MemoryProvider store;
    private final ModelUri uri;
    private final Failures failures;
    private final Settings settings;
    private final Duration readTimeout;

    private MemorySource(MemoryProvider store, ModelUri uri, Settings settings, Duration readTimeout) {
        this.store = store;
        this.uri = uri;
        this.failures = new Failures(uri.redacted());
        this.settings = settings;
        this.readTimeout = readTimeout;
    }

    static MemorySource open(MemoryProvider store, ModelUri uri, SourceContext context) throws StorageException {
        Settings settings = Settings.of(context.settings(), uri.redacted());
        return new MemorySource(store, uri, settings, settings.readTimeout(null, Duration.ofSeconds(30)));
    }

    @Override
    public String key() {
        return uri.path();
    }

    /** What every request checks first: the bucket exists, and the token matches when one is required. */
    private void admit(String what) throws StorageException {
        if (!uri.authority().equals(MemoryProvider.BUCKET)) {
            throw new NotFoundException(
                    uri.redacted(),
                    what + ": no bucket '" + uri.authority() + "' (there is " + MemoryProvider.BUCKET + ")");
        }
        String required = store.token();
        if (required == null) {
            return;
        }
        Optional<Setting> given = settings.get(MemoryProvider.TOKEN);
        if (given.isEmpty() || !given.get().value().equals(required)) {
            throw failures.forStatus(
                    403,
                    what,
                    Failures.answer(403, "TokenRefused", null),
                    settings.describe(MemoryProvider.TOKEN),
                    null);
        }
    }

    @Override
    public ListPage list(String prefix, String pageToken) throws StorageException {
        String what = "listing '" + prefix + "'";
        store.listing();
        admit(what);
        if (store.faults().failListing()) {
            throw new TransferException(uri.redacted(), "listing: 503 slow down", true, null);
        }
        List<RemoteObject> page = new ArrayList<>();
        int size = store.pageSize();
        for (Map.Entry<String, byte[]> e : (pageToken == null
                        ? store.objects().tailMap(prefix, true)
                        : store.objects().tailMap(pageToken, false))
                .entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            if (page.size() == size) {
                return new ListPage(page, page.get(size - 1).key());
            }
            page.add(new RemoteObject(
                    e.getKey(),
                    e.getValue().length,
                    MemoryProvider.versionOf(e.getValue()),
                    store.checksums(e.getKey())));
        }
        return ListPage.last(page);
    }

    @Override
    public Optional<RemoteObject> stat(String key) throws StorageException {
        admit("reading the properties of '" + key + "'");
        return Optional.ofNullable(store.object(key));
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        String what = "reading '" + object.key() + "' at " + offset + "+" + length;
        store.reading(object.key());
        MemoryFaults faults = store.faults();
        if (faults.everyRead() != null) {
            throw faults.everyRead();
        }
        admit(what);
        int status = faults.nextStatus();
        if (status != 0) {
            throw failures.forStatus(status, what, Failures.answer(status, null, faults.reason()), "none", null);
        }
        byte[] all = store.objects().get(object.key());
        if (all == null || !MemoryProvider.versionOf(all).equals(object.version())) {
            throw failures.changed(what, "not version " + object.version() + " any more", null);
        }
        byte[] slice = Arrays.copyOfRange(all, (int) offset, (int) (offset + length));
        int corrupt =
                faults.corruptAt(slice.length, n -> ThreadLocalRandom.current().nextInt(n));
        if (corrupt >= 0) {
            slice[corrupt] ^= 0x55;
        }
        long cut = faults.cutAt(slice.length);
        if (cut >= 0) {
            return new Broken(slice, cut, null);
        }
        long stall = faults.stallAt(slice.length);
        if (stall >= 0) {
            return new Broken(slice, stall, readTimeout);
        }
        return new ByteArrayInputStream(slice);
    }

    /** A body that ends in an IOException after {@code at} bytes: at once (a cut) or after {@code stall} (a stall). */
    private static final class Broken extends InputStream {
        private final byte[] slice;
        private final long at;
        private final Duration stall;
        private int pos;

        Broken(byte[] slice, long at, Duration stall) {
            this.slice = slice;
            this.at = at;
            this.stall = stall;
        }

        @Override
        public int read() throws IOException {
            if (pos >= at) {
                fail();
            }
            return slice[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos >= at) {
                fail();
            }
            int n = (int) Math.min(len, at - pos);
            System.arraycopy(slice, pos, b, off, n);
            pos += n;
            return n;
        }

        private void fail() throws IOException {
            if (stall == null) {
                throw new IOException("connection reset");
            }
            try {
                Thread.sleep(stall.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the body stalled");
            }
            throw new IOException("no bytes for " + stall.toMillis() + " ms (" + Settings.READ_TIMEOUT + ")");
        }
    }
}
