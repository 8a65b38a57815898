package dev.storageinit.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.NotFoundException;
import dev.storageinit.TransferException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The one backoff: exponential with jitter, at least what the server asked for. */
class RetriesTest {
    @Test
    void theDelayGrowsIsCappedAndHonoursTheServersWait() {
        Duration base = Duration.ofMillis(100);
        for (int i = 0; i < 50; i++) {
            assertThat(Retries.delay(base, 1, null)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
            assertThat(Retries.delay(base, 3, null)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
            assertThat(Retries.delay(base, 30, null)).isBetween(Duration.ofSeconds(5), Retries.MAX_BACKOFF);
        }
        TransferException throttled =
                TransferException.retryable("u", "429", null).retryAfter(Duration.ofSeconds(2));
        assertThat(Retries.delay(base, 1, throttled)).isEqualTo(Duration.ofSeconds(2));
        TransferException forAnHour =
                TransferException.retryable("u", "429", null).retryAfter(Duration.ofHours(1));
        assertThat(Retries.delay(base, 1, forAnHour)).isEqualTo(Retries.MAX_RETRY_AFTER);
    }

    @Test
    void callRetriesRetryableFailuresOnly() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String result = Retries.call("u", 3, Duration.ofMillis(1), () -> {
            if (calls.incrementAndGet() < 3) {
                throw TransferException.retryable("u", "503", null);
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(calls).hasValue(3);

        calls.set(0);
        assertThatThrownBy(() -> Retries.call("u", 3, Duration.ofMillis(1), () -> {
                    calls.incrementAndGet();
                    throw new NotFoundException("u", "gone");
                }))
                .isInstanceOf(NotFoundException.class);
        assertThat(calls).hasValue(1);
    }
}
