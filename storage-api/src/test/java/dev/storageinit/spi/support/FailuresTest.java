package dev.storageinit.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import java.io.IOException;
import java.net.SocketException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class FailuresTest {
    private final Failures failures = new Failures("s3://b/k");

    @Test
    void oneRetryableSet() {
        for (int s = 100; s < 600; s++) {
            boolean expected = s == 408 || s == 429 || s >= 500 && s != 501;
            assertThat(Failures.isRetryableStatus(s)).as("%d", s).isEqualTo(expected);
        }
    }

    @Test
    void statusesMapToTheTypedExceptions() {
        String answer = Failures.answer(403, "AccessDenied", "no\nsecond line");
        assertThat(answer).isEqualTo("HTTP 403 AccessDenied: no");
        StorageException denied =
                failures.forStatus(403, "listing 'm/'", answer, "AWS_ACCESS_KEY_ID (environment)", null);
        assertThat(denied)
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("s3://b/k: listing 'm/': access "
                        + "denied (HTTP 403 AccessDenied: no); credentials: AWS_ACCESS_KEY_ID (environment)");
        assertThat(failures.forStatus(401, "w", "HTTP 401", "c", null)).isInstanceOf(AccessDeniedException.class);
        assertThat(failures.forStatus(404, "w", "HTTP 404", "c", null)).isInstanceOf(NotFoundException.class);
        assertThat(failures.forStatus(410, "w", "HTTP 410", "c", null)).isInstanceOf(NotFoundException.class);
        assertThat(failures.forStatus(412, "w", "HTTP 412", "c", null))
                .isInstanceOf(IntegrityException.class)
                .hasMessage("s3://b/k: w: object changed while downloading (HTTP 412)");
        assertThat(failures.forStatus(416, "w", "HTTP 416", "c", null)).isInstanceOf(IntegrityException.class);
        StorageException slow = failures.forStatus(503, "reading 'a'", "HTTP 503 SlowDown", "c", null);
        assertThat(slow)
                .isInstanceOf(TransferException.class)
                .hasMessage("s3://b/k: reading 'a' failed (HTTP 503 " + "SlowDown)");
        assertThat(slow.isRetryable()).isTrue();
        assertThat(failures.forStatus(501, "w", "HTTP 501", "c", null).isRetryable())
                .isFalse();
        assertThat(failures.forStatus(400, "w", "HTTP 400", "c", null).isRetryable())
                .isFalse();
    }

    @Test
    void tlsFailuresAreConfigurationAndNeverRetried() {
        StorageException e = failures.fromCause(
                "GET /a", new IOException("wrapped", new SSLHandshakeException("PKIX path building failed")), null);
        assertThat(e)
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("s3://b/k: GET /a: TLS failed (PKIX path building failed); ")
                .hasMessageContaining("CA_BUNDLE_CONFIGMAP_NAME");
        assertThat(e.isRetryable()).isFalse();
        assertThat(failures.fromCause("w", new CertificateException("bad"), "hint"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageEndingWith("; hint");
        // a connection cut during TLS is the network's fault
        assertThat(failures.fromCause("w", new SSLException("reset", new SocketException("Connection reset")), null))
                .isInstanceOf(TransferException.class)
                .satisfies(x -> assertThat(x.isRetryable()).isTrue());
    }

    @Test
    void otherCausesAreRetryableTransfersAndTypedOnesPassThrough() {
        StorageException cut = failures.fromCause("reading 'a'", new IOException("Premature EOF\nmore"), null);
        assertThat(cut)
                .isInstanceOf(TransferException.class)
                .hasMessage("s3://b/k: reading 'a': java.io.IOException: Premature EOF");
        assertThat(cut.isRetryable()).isTrue();
        StorageException typed = new NotFoundException("s3://b/k", "gone");
        assertThat(failures.fromCause("w", new RuntimeException(typed), null)).isSameAs(typed);
        assertThat(failures.fromCause("w", new InterruptedException(), null)).hasMessage("s3://b/k: w: interrupted");
    }

    @Test
    void firstLineIsOneShortLine() {
        assertThat(Failures.firstLine(null)).isEmpty();
        assertThat(Failures.firstLine("a\nb")).isEqualTo("a");
        assertThat(Failures.firstLine("x".repeat(400))).hasSize(303).endsWith("...");
    }
}
