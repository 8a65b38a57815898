package dev.storageinit.spi;

import dev.storageinit.StorageException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The body of one ranged read from a client that is not {@link dev.storageinit.spi.http.RangedGet}'s: ends after the
 * range's length, turns every read failure into the source's typed error, and on a close before the end runs the
 * client's abort (so the rest of a large range is not drained just to reuse the connection).
 */
public final class LimitedBody extends BlockReadStream {
    /** Maps a failure of the client's stream to the source's error (retryable for a cut connection). */
    @FunctionalInterface
    public interface Failure {
        StorageException of(Exception e);
    }

    private final InputStream in;
    private final Failure failure;
    private final Runnable abort;
    private long left;
    private boolean closed;

    /**
     * @param in the client's body, positioned at the range's first byte
     * @param length the range's length
     * @param failure how a read failure is reported
     * @param abort what drops the connection when the body is closed before its end; null for a plain close
     */
    public LimitedBody(InputStream in, long length, Failure failure, Runnable abort) {
        this.in = in;
        this.left = length;
        this.failure = failure;
        this.abort = abort;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        int n;
        try {
            n = in.read(b, off, (int) Math.min(len, left));
        } catch (IOException | RuntimeException e) {
            throw failure.of(e);
        }
        if (n > 0) {
            left -= n;
        }
        return n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (left > 0 && abort != null) {
                abort.run();
            }
            in.close();
        } catch (IOException | RuntimeException e) {
            // an aborted stream may complain on close; nothing was lost
        }
    }
}
