package dev.storageinit.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeader;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.core.util.CoreUtils;
import dev.storageinit.spi.http.JdkHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * azure-core's {@link HttpClient} on a source's own JDK client ({@link JdkHttp}): azure-identity sends its token
 * requests through it, so no second HTTP stack (netty) is needed, and they get the source's TLS trust (the cluster
 * CA bundle) and are released with it. Bodies are small (token requests and answers) and held whole in memory.
 */
final class JdkAzureHttpClient implements HttpClient {
    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final JdkHttp http;
    private final Duration timeout;

    /** @param timeout longest wait for an answer */
    JdkAzureHttpClient(JdkHttp http, Duration timeout) {
        this.http = http;
        this.timeout = timeout;
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
        return Mono.defer(() -> Mono.fromFuture(http.client().sendAsync(jdk(request), BodyHandlers.ofByteArray())))
                .map(r -> new Answer(request, r));
    }

    @Override
    public HttpResponse sendSync(HttpRequest request, Context context) {
        try {
            return new Answer(request, http.client().send(jdk(request), BodyHandlers.ofByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private java.net.http.HttpRequest jdk(HttpRequest request) {
        BinaryData body = request.getBodyAsBinaryData();
        java.net.http.HttpRequest.Builder b;
        try {
            b = java.net.http.HttpRequest.newBuilder(request.getUrl().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URI: " + e.getReason(), e);
        }
        b.timeout(timeout)
                .method(
                        request.getHttpMethod().name(),
                        body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body.toBytes()));
        for (HttpHeader h : request.getHeaders()) {
            if (!RESTRICTED.contains(h.getName().toLowerCase(Locale.ROOT))) {
                h.getValuesList().forEach(v -> b.header(h.getName(), v));
            }
        }
        return b.build();
    }

    /** An answer with its whole body. */
    private static final class Answer extends HttpResponse {
        private final int status;
        private final HttpHeaders headers = new HttpHeaders();
        private final byte[] body;

        Answer(HttpRequest request, java.net.http.HttpResponse<byte[]> r) {
            super(request);
            this.status = r.statusCode();
            r.headers().map().forEach(headers::set);
            this.body = r.body();
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        @SuppressWarnings("deprecation")
        public String getHeaderValue(String name) {
            return headers.getValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return body.length == 0 ? Flux.empty() : Flux.just(ByteBuffer.wrap(body));
        }

        @Override
        public BinaryData getBodyAsBinaryData() {
            return BinaryData.fromBytes(body);
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.just(body);
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.just(CoreUtils.bomAwareToString(body, headers.getValue("Content-Type")));
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.just(new String(body, charset));
        }

        @Override
        public HttpResponse buffer() {
            return this;
        }
    }
}
