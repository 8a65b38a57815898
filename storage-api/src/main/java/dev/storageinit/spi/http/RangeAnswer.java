package dev.storageinit.spi.http;

import dev.storageinit.IntegrityException;
import dev.storageinit.spi.support.Failures;
import java.util.OptionalLong;

/**
 * The one treatment of the answer to a ranged GET, whatever HTTP client sent it (the JDK {@code HttpClient} of
 * {@link RangedGet}, GCS's {@code HttpURLConnection}, the S3 SDK's client): a 206 must start at the offset asked for
 * and name the object's size; a 200 is the whole object (a server without ranges, or one that ignored the header),
 * whose length must be the object's, read from the start and skipped to the offset. Any other shape means the
 * object changed: an {@link IntegrityException}, never bytes of another version.
 */
public final class RangeAnswer {
    private RangeAnswer() {}

    /**
     * How many bytes of the body lie before the range: 0 for a fitting 206, {@code offset} for a 200.
     *
     * @param status 200 or 206
     * @param contentRange the answer's Content-Range, or null
     * @param contentLength the answer's Content-Length, when given
     * @param offset the range's first byte
     * @param size the object's size when it was listed
     */
    public static long bytesBefore(
            Failures failures,
            String what,
            int status,
            String contentRange,
            OptionalLong contentLength,
            long offset,
            long size)
            throws IntegrityException {
        if (status == 206) {
            long[] range = HttpText.contentRange(contentRange);
            if (range == null || range[0] != offset || (range[2] >= 0 && range[2] != size)) {
                throw new IntegrityException(
                        failures.uri(),
                        what + ": the server answered with range " + (contentRange == null ? "(none)" : contentRange)
                                + "; the file may have changed");
            }
            return 0;
        }
        if (contentLength.isPresent() && contentLength.getAsLong() != size) {
            throw new IntegrityException(
                    failures.uri(),
                    what + ": the file is now " + contentLength.getAsLong() + " bytes, it was " + size
                            + " when the download started");
        }
        return offset;
    }
}
