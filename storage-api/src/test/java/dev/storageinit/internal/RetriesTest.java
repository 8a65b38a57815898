package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.TransferException;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The engine's backoff: exponential with jitter, capped, at least what the server asked for. */
class RetriesTest {
    private final Retries retries = new Retries(
            "mem://b/m", new EngineSettings(4, 1 << 20, 1 << 20, 1 << 16, 5, Duration.ofMillis(100)), () -> false);

    @Test
    void theDelayGrowsIsCappedAndHonoursTheServersWait() {
        IOException cut = new IOException("connection reset");
        for (int i = 0; i < 50; i++) {
            assertThat(retries.delay(1, cut)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
            assertThat(retries.delay(3, cut)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
            assertThat(retries.delay(30, cut)).isBetween(Duration.ofSeconds(5), Retries.MAX_BACKOFF);
        }
        TransferException throttled =
                TransferException.retryable("u", "429", null).retryAfter(Duration.ofSeconds(2));
        assertThat(retries.delay(1, throttled)).isEqualTo(Duration.ofSeconds(2));
        TransferException forAnHour =
                TransferException.retryable("u", "429", null).retryAfter(Duration.ofHours(1));
        assertThat(retries.delay(1, forAnHour)).isEqualTo(Retries.MAX_RETRY_AFTER);
    }
}
