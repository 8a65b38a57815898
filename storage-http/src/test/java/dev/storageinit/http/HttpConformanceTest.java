package dev.storageinit.http;

import dev.storageinit.CredentialSource;
import dev.storageinit.spi.http.HttpText;
import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The conformance suite against a real HTTP/1.1 file server on 127.0.0.1 ({@link HttpFixture}: {@code Range},
 * strong {@code ETag}, {@code Last-Modified}, {@code If-Match}, HEAD), every path behind an API key header that the
 * provider sends from KServe's {@code 127.0.0.1-headers} setting. A URL names one file: no listing.
 */
class HttpConformanceTest extends ConformanceSuite {
    static final String KEY_HEADER = "X-Api-Key";
    static final String HEADERS = "127.0.0.1" + HostHeaders.HEADERS_SUFFIX;
    private static final String KEY = "suite-api-key-0123456789";

    @Override
    protected StoreFixture createFixture() {
        HttpFixture server = new HttpFixture();
        server.requireEverywhere(KEY_HEADER, KEY);
        return new StoreFixture() {
            /** A key as a URL path: '%', '#' and '?' escaped, as they mean something in a URL; the rest as it is. */
            private String path(String key) {
                return "/" + key.replace("%", "%25").replace("#", "%23").replace("?", "%3F");
            }

            @Override
            public String uri(String key) {
                return server.url(path(key));
            }

            @Override
            public String uriThrough(String endpoint, String key) {
                return endpoint + path(key);
            }

            @Override
            public CredentialSource settings() {
                return headers(KEY);
            }

            private CredentialSource headers(String key) {
                return CredentialSource.of(Map.of(HEADERS, "{\"" + KEY_HEADER + "\": \"" + key + "\"}"));
            }

            /** The server answers at the path the provider sends: the URL's, leniently encoded. */
            @Override
            public void put(String key, byte[] content) {
                server.put(HttpText.encodeLeniently(path(key), false), content);
            }

            @Override
            public boolean listsFolders() {
                return false;
            }

            @Override
            public OptionalInt port() {
                return OptionalInt.of(server.port());
            }

            /** The endpoint is in the URL ({@link #uriThrough}); the host and so the headers stay 127.0.0.1's. */
            @Override
            public CredentialSource settingsThrough(String endpoint) {
                return settings();
            }

            /** A URL has no container: a top-level directory that does not exist. */
            @Override
            public String missingContainerUri() {
                return server.url(
                        "/no-such-directory-" + ProcessHandle.current().pid() + "/model.bin");
            }

            @Override
            public String wrongCredentialsVariable() {
                return HEADERS;
            }

            @Override
            public Optional<CredentialSource> wrongCredentials() {
                return Optional.of(headers("wrong-api-key-9876543210"));
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }
}
