package dev.storageinit.spi.http;

import dev.storageinit.StorageException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Flow;

/**
 * A final (non-redirect) answer whose body is not read yet, and the URL it came from; or, for a refusal that
 * {@link RangedGet#readDirect} met, its status and headers with the body already thrown away.
 */
public final class Response {
    private final int status;
    private final HttpHeaders headers;
    private final HttpResponse<Flow.Publisher<List<ByteBuffer>>> raw;
    private final URI location;
    private final RangedGet owner;
    private boolean taken;

    Response(HttpResponse<Flow.Publisher<List<ByteBuffer>>> raw, URI location, RangedGet owner) {
        this.status = raw.statusCode();
        this.headers = raw.headers();
        this.raw = raw;
        this.location = location;
        this.owner = owner;
    }

    /** An answer whose body was read and dropped already. */
    Response(int status, HttpHeaders headers, URI location, RangedGet owner) {
        this.status = status;
        this.headers = headers;
        this.raw = null;
        this.location = location;
        this.owner = owner;
        this.taken = true;
    }

    public int status() {
        return status;
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** The first value of header {@code name}. */
    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    /** The URL that answered (after redirects). */
    public URI location() {
        return location;
    }

    /** The body as a stream with the stall timeout, ending after {@code limit} bytes. */
    public BodyStream body(String what, long limit) {
        BodyStream body = owner.body(what, limit, location);
        take().subscribe(body);
        return body;
    }

    /** The whole (small) body. */
    public byte[] bytes(String what) throws StorageException {
        try (BodyStream body = body(what, Long.MAX_VALUE)) {
            return body.readAllBytes();
        } catch (IOException e) {
            throw owner.failures().fromCause(what, e, null);
        }
    }

    /** Throws the body away without reading it all: a small one is drained, a large one cancelled. */
    public void discard() {
        if (!taken) {
            take().subscribe(new Discarder());
        }
    }

    private Flow.Publisher<List<ByteBuffer>> take() {
        if (taken) {
            throw new IllegalStateException("the body was taken");
        }
        taken = true;
        return raw.body();
    }

    private static final class Discarder implements Flow.Subscriber<List<ByteBuffer>> {
        private Flow.Subscription s;
        private long seen;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            s = subscription;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            for (ByteBuffer b : item) {
                seen += b.remaining();
            }
            if (seen > (64 << 10)) {
                s.cancel();
            }
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}
    }
}
