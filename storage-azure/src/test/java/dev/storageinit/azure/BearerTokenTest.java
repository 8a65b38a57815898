package dev.storageinit.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.support.Failures;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The token cache of the bearer signer, on a clock the test moves: one fetch serves every request until shortly
 * before expiry, parallel requests wait for one fetch, a failed refresh keeps a valid token, and a refused token is
 * AccessDeniedException naming the credential. (The azure-identity credential itself runs against a server in
 * {@link AzureTokenTest}.)
 */
class BearerTokenTest {
    private static final Failures FAILURES = new Failures("https://acct.blob.core.windows.net/c/m");
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    /** Tokens that live {@code life} from the moment they are fetched; {@code failFrom} on, fetches fail. */
    private TokenCredential credential(Duration life, int failFrom, RuntimeException failure) {
        return request -> {
            assertThat(request.getScopes()).containsExactly(BearerToken.SCOPE);
            int n = fetches.incrementAndGet();
            if (n >= failFrom) {
                return Mono.error(failure);
            }
            return Mono.just(new AccessToken("token-" + n, OffsetDateTime.ofInstant(now.plus(life), ZoneOffset.UTC)));
        };
    }

    private BearerToken bearer(TokenCredential credential) {
        return new BearerToken(credential, FAILURES, "test credential (settings map)", clock);
    }

    @Test
    void oneTokenServesUntilFiveMinutesBeforeItExpires() throws Exception {
        BearerToken b = bearer(credential(Duration.ofHours(1), Integer.MAX_VALUE, null));
        assertThat(b.authorization()).isEqualTo("Bearer token-1");
        now = now.plus(Duration.ofMinutes(54));
        assertThat(b.authorization()).isEqualTo("Bearer token-1");
        now = now.plus(Duration.ofMinutes(1));
        assertThat(b.authorization()).isEqualTo("Bearer token-2");
        assertThat(b.authorization()).isEqualTo("Bearer token-2");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void aShortLivedTokenIsRefreshedHalfWay() throws Exception {
        BearerToken b = bearer(credential(Duration.ofMinutes(4), Integer.MAX_VALUE, null));
        assertThat(b.authorization()).isEqualTo("Bearer token-1");
        now = now.plus(Duration.ofSeconds(119));
        assertThat(b.authorization()).isEqualTo("Bearer token-1");
        now = now.plus(Duration.ofSeconds(1));
        assertThat(b.authorization()).isEqualTo("Bearer token-2");
    }

    @Test
    void parallelRequestsWaitForOneFetch() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        TokenCredential slow = request -> Mono.fromCallable(() -> {
            release.await();
            return new AccessToken(
                    "token-" + fetches.incrementAndGet(),
                    OffsetDateTime.ofInstant(now.plusSeconds(3600), ZoneOffset.UTC));
        });
        BearerToken b = bearer(slow);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> signed = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                signed.add(pool.submit(b::authorization));
            }
            Thread.sleep(200);
            release.countDown();
            for (Future<String> f : signed) {
                assertThat(f.get()).isEqualTo("Bearer token-1");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void aFailedRefreshKeepsTheValidTokenAndTriesAgainLater() throws Exception {
        BearerToken b = bearer(
                credential(Duration.ofHours(1), 2, new ClientAuthenticationException("AADSTS50012: expired", null)));
        assertThat(b.authorization()).isEqualTo("Bearer token-1");
        now = now.plus(Duration.ofMinutes(56));
        assertThat(b.authorization()).isEqualTo("Bearer token-1");
        assertThat(b.authorization()).isEqualTo("Bearer token-1");
        assertThat(fetches).hasValue(2);
        now = now.plus(Duration.ofSeconds(30));
        assertThat(b.authorization()).isEqualTo("Bearer token-1");
        assertThat(fetches).hasValue(3);
        now = now.plus(Duration.ofMinutes(4));
        assertThatThrownBy(b::authorization)
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("AADSTS50012");
    }

    @Test
    void aRefusedTokenIsAccessDeniedAndAnUnreachableEndpointIsRetryable() {
        assertThatThrownBy(() -> bearer(credential(
                                Duration.ofHours(1),
                                1,
                                new ClientAuthenticationException("AADSTS700016: application not found", null)))
                        .authorization())
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageStartingWith(FAILURES.uri())
                .hasMessageContaining("could not get a token using test credential (settings map)")
                .hasMessageContaining("AADSTS700016");
        // azure-identity wraps a connection failure in its authentication exception
        assertThatThrownBy(() -> bearer(credential(
                                Duration.ofHours(1),
                                1,
                                new ClientAuthenticationException(
                                        "Managed Identity authentication failed",
                                        null,
                                        new UncheckedIOException(new ConnectException("Connection refused")))))
                        .authorization())
                .isInstanceOfSatisfying(TransferException.class, e -> assertThat(e.isRetryable())
                        .isTrue())
                .hasMessageContaining(
                        "could not get a token using test credential (settings map): java.net.ConnectException");
    }
}
