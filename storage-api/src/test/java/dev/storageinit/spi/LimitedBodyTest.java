package dev.storageinit.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.TransferException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LimitedBodyTest {
    private final AtomicInteger aborts = new AtomicInteger();

    private LimitedBody body(InputStream in, long length) {
        return new LimitedBody(
                in,
                length,
                e -> TransferException.retryable("s3://b/m", "reading 'a.bin': " + e, e),
                aborts::incrementAndGet);
    }

    @Test
    void endsAfterTheRangeAndDropsTheConnectionOnlyWhenClosedEarly() throws Exception {
        byte[] all = new byte[100];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        try (LimitedBody b = body(new ByteArrayInputStream(all, 10, 90), 30)) {
            byte[] got = b.readAllBytes();
            assertThat(got).hasSize(30).startsWith((byte) 10).endsWith((byte) 39);
            assertThat(b.read()).isEqualTo(-1);
        }
        assertThat(aborts).hasValue(0);

        LimitedBody early = body(new ByteArrayInputStream(all), 50);
        assertThat(early.read()).isZero();
        early.close();
        early.close();
        assertThat(aborts).hasValue(1);
    }

    @Test
    void aReadFailureIsTheSourcesTypedError() {
        InputStream cut = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        };
        assertThatThrownBy(() -> body(cut, 10).read(new byte[4], 0, 4))
                .isInstanceOf(TransferException.class)
                .hasMessage("s3://b/m: reading 'a.bin': java.io.IOException: connection reset")
                .satisfies(
                        e -> assertThat(((TransferException) e).isRetryable()).isTrue());
    }
}
