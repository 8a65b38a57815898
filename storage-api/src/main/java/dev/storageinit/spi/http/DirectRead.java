package dev.storageinit.spi.http;

import dev.storageinit.IntegrityException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.LimitedBody;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;

/**
 * {@link RangedGet#readDirect}: a ranged read on a connection of the JDK's {@link HttpURLConnection}, with the
 * request's headers, signer, redirects, refusals and answer checks of its {@link RangedGet}; the read timeout is
 * the socket's.
 */
final class DirectRead {
    private final RangedGet get;

    DirectRead(RangedGet get) {
        this.get = get;
    }

    RangedGet.Read read(URI start, RangedGet.Part part, String what) throws StorageException {
        if (part.length() == 0) {
            return new RangedGet.Read(InputStream.nullInputStream(), start);
        }
        Map<String, String> headers = get.rangeHeaders(part);
        URI current = start;
        for (int hop = 0; ; hop++) {
            HttpURLConnection c = connect("GET", current, get.signed("GET", current, headers));
            int s;
            HttpHeaders h;
            try {
                s = c.getResponseCode();
                h = headersOf(c);
            } catch (IOException e) {
                c.disconnect();
                throw transportFailure("GET " + HttpText.host(current), e);
            }
            if (RangedGet.isRedirect(s)) {
                drain(c);
                current = get.redirect(current, s, h.firstValue("Location").orElse(null), hop);
                continue;
            }
            if (s != 200 && s != 206) {
                drain(c);
                throw get.refused(new Response(s, h, current, get), what);
            }
            long before;
            InputStream in;
            try {
                before = get.bytesBefore(s, h, part, what);
                in = c.getInputStream();
                in.skipNBytes(before);
            } catch (IntegrityException e) {
                c.disconnect();
                throw e;
            } catch (IOException e) {
                c.disconnect();
                throw readFailure(what, e);
            }
            return new RangedGet.Read(
                    new LimitedBody(in, part.length(), e -> readFailure(what, e), c::disconnect), current);
        }
    }

    private HttpURLConnection connect(String method, URI current, Signer.Request request) throws StorageException {
        try {
            HttpURLConnection c = (HttpURLConnection) current.toURL().openConnection();
            if (c instanceof HttpsURLConnection https && get.http.tls() != null) {
                https.setSSLSocketFactory(get.http.tls().getSocketFactory());
            }
            c.setRequestMethod(method);
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setConnectTimeout(
                    (int) Math.min(Integer.MAX_VALUE, get.http.connectTimeout().toMillis()));
            c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, get.readTimeout.toMillis()));
            for (Map.Entry<String, String> e : request.headers().entrySet()) {
                c.setRequestProperty(e.getKey(), e.getValue());
            }
            return c;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw get.refusedByClient(current);
        } catch (IOException e) {
            throw get.failures().fromCause(method + " " + HttpText.host(current), e, null);
        }
    }

    /** The failure of a connection's request: a timeout, a refused connection, TLS (a ConfigurationException). */
    private StorageException transportFailure(String what, IOException e) {
        if (e instanceof java.net.SocketTimeoutException) {
            return TransferException.retryable(
                    get.failures().uri(),
                    what + ": "
                            + (String.valueOf(e.getMessage()).contains("connect")
                                    ? "connect timed out" + RangedGet.named(get.connectSetting)
                                    : "no response within " + BodyStream.secondsOf(get.readTimeout.toNanos()) + " s"
                                            + RangedGet.named(get.readSetting)),
                    e);
        }
        if (e instanceof ConnectException) {
            return TransferException.retryable(get.failures().uri(), what + ": cannot connect: " + e, e);
        }
        return get.failures().fromCause(what, e, null);
    }

    /** A failure while reading a direct body: the stall timeout, a cut connection; retryable. */
    private StorageException readFailure(String what, Exception e) {
        if (e instanceof StorageException se) {
            return se;
        }
        if (e instanceof java.net.SocketTimeoutException) {
            return TransferException.retryable(
                    get.failures().uri(),
                    what + ": no data from the server for " + BodyStream.secondsOf(get.readTimeout.toNanos()) + " s"
                            + RangedGet.named(get.readSetting) + "; the connection was dropped",
                    e);
        }
        return TransferException.retryable(get.failures().uri(), what + ": connection failed while reading: " + e, e);
    }

    /** Reads and drops a small answer's body (so the connection can serve the next request), else drops it all. */
    private static void drain(HttpURLConnection c) {
        try (InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream()) {
            if (in != null && in.readNBytes(64 << 10).length == 64 << 10 && in.read() >= 0) {
                c.disconnect();
            }
        } catch (IOException e) {
            c.disconnect();
        }
    }

    private static HttpHeaders headersOf(HttpURLConnection c) {
        Map<String, List<String>> fields = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        c.getHeaderFields().forEach((k, v) -> {
            if (k != null) {
                fields.put(k, v);
            }
        });
        return HttpHeaders.of(fields, (k, v) -> true);
    }
}
