package dev.storageinit.spi.http;

import dev.storageinit.TransferException;
import dev.storageinit.spi.BlockReadStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body as a blocking stream with a read timeout, which the JDK client lacks: the body is consumed as a
 * {@link Flow.Publisher} one buffer list at a time (so memory stays bounded by the client's buffers), and a read
 * that waits longer than the timeout for the next buffer cancels the exchange (closing the connection) and fails
 * with a retryable {@link TransferException}. This is the one stall timeout of the JDK data path: no watchdog
 * thread, nothing static. Optionally skips a prefix and stops after a length; closing it early cancels the rest.
 */
public final class BodyStream extends BlockReadStream implements Flow.Subscriber<List<ByteBuffer>> {
    private static final Object END = new Object();
    /** Buffer lists requested ahead of the reader: enough to keep the socket busy, bounded memory per stream. */
    static final int WINDOW = 16;

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final String uri;
    private final String what;
    private final long timeoutNanos;
    private final String timeoutSetting;
    private final java.net.URI location;
    private volatile Flow.Subscription subscription;
    private Iterator<ByteBuffer> pending;
    private ByteBuffer current;
    private long remaining;
    private boolean done;
    private volatile boolean closed;

    /**
     * @param uri redacted URI for messages
     * @param what what is being read, for messages
     * @param timeoutNanos longest wait for the next bytes
     * @param timeoutSetting the setting that sets it, for messages, or null
     * @param limit bytes to deliver at most, or {@link Long#MAX_VALUE}
     * @param location the URL that sent the body
     */
    BodyStream(String uri, String what, long timeoutNanos, String timeoutSetting, long limit, java.net.URI location) {
        this.location = location;
        this.uri = uri;
        this.what = what;
        this.timeoutNanos = timeoutNanos;
        this.timeoutSetting = timeoutSetting;
        this.remaining = limit;
    }

    /** The URL that sent the body (after redirects). */
    public java.net.URI location() {
        return location;
    }

    // ------------------------------------------------------------ subscriber side (client threads)

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            s.request(WINDOW);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    // ------------------------------------------------------------ reader side

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if (remaining <= 0) {
            settleEnd();
            return -1;
        }
        // fill the caller's buffer with what has arrived, waiting only for the first bytes: fewer, larger writes
        int total = 0;
        while (total < len && remaining > 0) {
            if (total > 0 && !availableNow()) {
                break;
            }
            if (!fill()) {
                break;
            }
            int n = (int) Math.min(Math.min(len - total, current.remaining()), remaining);
            current.get(b, off + total, n);
            remaining -= n;
            total += n;
        }
        return total == 0 ? -1 : total;
    }

    /** Whether {@link #fill()} would return data without waiting. */
    private boolean availableNow() {
        return (current != null && current.hasRemaining())
                || (pending != null && pending.hasNext())
                || (!done && queue.peek() instanceof List);
    }

    /**
     * After the last wanted byte: takes the end-of-body signal that normally follows at once, so the exchange
     * completes and the client can reuse the connection instead of closing it on {@link #close()}.
     */
    private void settleEnd() {
        boolean buffered = (current != null && current.hasRemaining()) || (pending != null && pending.hasNext());
        if (done || buffered) {
            return;
        }
        try {
            fill();
        } catch (IOException e) {
            // a late failure after every wanted byte arrived changes nothing; close() drops the connection
        }
    }

    /** Makes {@code current} hold bytes; false at the end of the body. */
    private boolean fill() throws IOException {
        while (current == null || !current.hasRemaining()) {
            if (pending != null && pending.hasNext()) {
                current = pending.next();
                continue;
            }
            if (done) {
                return false;
            }
            Object item;
            try {
                item = queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancel();
                throw new InterruptedIOException(what + ": interrupted");
            }
            if (item == null) {
                cancel();
                done = true;
                throw TransferException.retryable(
                        uri,
                        what + ": no data from the server for "
                                + secondsOf(timeoutNanos) + " s"
                                + (timeoutSetting == null ? "" : " (" + timeoutSetting + ")")
                                + "; the connection was dropped",
                        null);
            }
            if (item == END) {
                done = true;
                return false;
            }
            if (item instanceof Throwable) {
                done = true;
                Throwable t = (Throwable) item;
                throw TransferException.retryable(uri, what + ": connection failed while reading: " + t, t);
            }
            @SuppressWarnings("unchecked")
            List<ByteBuffer> list = (List<ByteBuffer>) item;
            pending = list.iterator();
            current = null;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.request(1);
            }
        }
        return true;
    }

    static String secondsOf(long nanos) {
        double s = nanos / 1e9;
        return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
    }

    private void cancel() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!done) {
            cancel(); // the rest of the body is not wanted: the client closes the connection
        }
        queue.clear();
        pending = null;
        current = null;
    }
}
