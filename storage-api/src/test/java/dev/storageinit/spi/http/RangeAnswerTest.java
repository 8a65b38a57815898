package dev.storageinit.spi.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.IntegrityException;
import dev.storageinit.spi.support.Failures;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RangeAnswerTest {
    private final Failures failures = new Failures("s3://b/m");

    private long before(int status, String contentRange, OptionalLong length, long offset, long size)
            throws IntegrityException {
        return RangeAnswer.bytesBefore(failures, "reading 'a.bin'", status, contentRange, length, offset, size);
    }

    @Test
    void aFitting206StartsAtTheRange() throws Exception {
        assertThat(before(206, "bytes 100-199/1000", OptionalLong.of(100), 100, 1000))
                .isZero();
        assertThat(before(206, "bytes 100-199/*", OptionalLong.empty(), 100, 1000))
                .isZero();
    }

    @Test
    void a200IsTheWholeObjectSkippedToTheRange() throws Exception {
        assertThat(before(200, null, OptionalLong.of(1000), 100, 1000)).isEqualTo(100);
        assertThat(before(200, null, OptionalLong.empty(), 0, 1000)).isZero();
    }

    @Test
    void anAnswerThatDoesNotFitTheObjectAsListedIsAnIntegrityError() {
        assertThatThrownBy(() -> before(206, "bytes 0-99/1000", OptionalLong.of(100), 100, 1000))
                .isInstanceOf(IntegrityException.class)
                .hasMessage("s3://b/m: reading 'a.bin': the server answered with range bytes 0-99/1000; the file may"
                        + " have changed");
        assertThatThrownBy(() -> before(206, "bytes 100-199/2000", OptionalLong.of(100), 100, 1000))
                .isInstanceOf(IntegrityException.class);
        assertThatThrownBy(() -> before(206, null, OptionalLong.of(100), 100, 1000))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("range (none)");
        assertThatThrownBy(() -> before(200, null, OptionalLong.of(999), 100, 1000))
                .isInstanceOf(IntegrityException.class)
                .hasMessage("s3://b/m: reading 'a.bin': the file is now 999 bytes, it was 1000 when the download"
                        + " started");
    }
}
