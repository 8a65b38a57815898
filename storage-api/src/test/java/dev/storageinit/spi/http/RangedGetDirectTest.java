package dev.storageinit.spi.http;

import dev.storageinit.StorageException;
import java.io.InputStream;
import java.net.URI;

/** Every {@link RangedGetTest} clause through {@link RangedGet#readDirect}, on the JDK's HttpURLConnection. */
class RangedGetDirectTest extends RangedGetTest {
    @Override
    InputStream read(RangedGet get, URI u, RangedGet.Part part, String what) throws StorageException {
        return get.readDirect(u, part, what).body();
    }
}
