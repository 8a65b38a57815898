package dev.storageinit.spi;

import java.io.IOException;
import java.io.InputStream;

/**
 * A base for the streams {@link ObjectSource#read} returns: a subclass defines only the block read, and the
 * one-byte {@link #read()} and {@link InputStream#skip} go through it, so the limits, accounting and error mapping
 * written there cover every way the engine reads.
 */
public abstract class BlockReadStream extends InputStream {
    /** For subclasses. */
    protected BlockReadStream() {}

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }
}
