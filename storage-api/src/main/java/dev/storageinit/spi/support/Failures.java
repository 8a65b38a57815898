package dev.storageinit.spi.support;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.nio.channels.ClosedByInterruptException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/**
 * The one mapping from an HTTP status or a transport failure to the library's typed exceptions, for one source
 * URI. Messages keep one shape: the URI first (redacted), then the operation, then what the store answered, on one
 * line. Providers add only their store's own error codes (NoSuchBucket, ContainerNotFound, a region hint) before
 * falling back to {@link #forStatus}.
 *
 * <ul>
 *   <li>401, 403: {@link AccessDeniedException}, naming where the credentials came from (never their value);
 *   <li>404, 410: {@link NotFoundException};
 *   <li>412: {@link IntegrityException} (the object changed: a version pin no longer holds); 416 likewise (the
 *       object is shorter than listed);
 *   <li>408, 429 and 5xx but 501: retryable {@link TransferException}; any other status a fatal one;
 *   <li>a TLS failure (handshake, untrusted certificate): {@link ConfigurationException}: the trust settings, not
 *       the network, have to change, so it is never retried;
 *   <li>an interruption, and any other I/O failure: retryable {@link TransferException}.
 * </ul>
 */
public final class Failures {
    /** The hint a TLS failure gets unless the provider has a better one. */
    public static final String TLS_HINT = "if the server uses a private CA, set " + TrustBundles.CONFIGMAP_NAME
            + " and mount its cabundle.crt at " + TrustBundles.VOLUME_MOUNT_POINT;

    private static final int MAX_LINE = 300;

    private final String uri;

    /** @param uri the redacted source URI every message starts with */
    public Failures(String uri) {
        this.uri = uri;
    }

    /** The URI messages start with. */
    public String uri() {
        return uri;
    }

    /** The one retryable set: 408, 429, and 5xx except 501 (Not Implemented). */
    public static boolean isRetryableStatus(int status) {
        return status == 408 || status == 429 || status >= 500 && status <= 599 && status != 501;
    }

    /** {@code HTTP 403 AccessDenied: message}, leaving out the parts that are empty or null. */
    public static String answer(int status, String code, String message) {
        return "HTTP " + status + (code == null || code.isEmpty() ? "" : " " + code)
                + (message == null || message.isEmpty() ? "" : ": " + firstLine(message));
    }

    /**
     * The typed error for a non-success status.
     *
     * @param status the HTTP status
     * @param what the operation, e.g. {@code listing 'models/'} or {@code reading 'a.bin' bytes 0-99}
     * @param answer what the store said, e.g. {@link #answer}'s text
     * @param credentials where the credentials came from, for 401 and 403
     * @param cause the client's exception, or null
     */
    public StorageException forStatus(int status, String what, String answer, String credentials, Throwable cause) {
        switch (status) {
            case 401:
            case 403:
                return new AccessDeniedException(
                        uri, what + ": access denied (" + answer + "); credentials: " + credentials, cause);
            case 404:
            case 410:
                return new NotFoundException(uri, what + ": not found (" + answer + ")", cause);
            case 412:
                return changed(what, answer, cause);
            case 416:
                return new IntegrityException(
                        uri,
                        what + ": the range is past the end, the object changed while " + "downloading (" + answer
                                + ")",
                        cause);
            default:
                return new TransferException(uri, what + " failed (" + answer + ")", isRetryableStatus(status), cause);
        }
    }

    /** The object is no longer the version it was listed as (412, a store's ConditionNotMet). */
    public IntegrityException changed(String what, String answer, Throwable cause) {
        return new IntegrityException(uri, what + ": object changed while downloading (" + answer + ")", cause);
    }

    /**
     * The typed error for a failure without an answer: the {@link StorageException} in {@code cause}'s chain when
     * there is one, a TLS failure as {@link #tls}, an interruption or any other failure as a retryable
     * {@link TransferException}.
     */
    public StorageException fromCause(String what, Throwable cause, String tlsHint) {
        StorageException typed = find(cause, StorageException.class);
        if (typed != null) {
            return typed;
        }
        Throwable tls = tlsFailure(cause);
        if (tls != null) {
            return tls(what, tls, tlsHint, cause);
        }
        if (isInterruption(cause)) {
            return TransferException.retryable(uri, what + ": interrupted", cause);
        }
        return TransferException.retryable(uri, what + ": " + firstLine(String.valueOf(cause)), cause);
    }

    /** {@code what: TLS failed (reason); hint}, a {@link ConfigurationException}. */
    public ConfigurationException tls(String what, Throwable tls, String hint, Throwable cause) {
        return new ConfigurationException(
                uri,
                what + ": TLS failed (" + firstLine(String.valueOf(tls.getMessage())) + "); "
                        + (hint == null ? TLS_HINT : hint),
                cause);
    }

    /**
     * The TLS failure in {@code t}'s chain (an untrusted or invalid certificate, a failed handshake), or null. An
     * {@link SSLException} caused by a cut connection is a transport failure, not a TLS one.
     */
    public static Throwable tlsFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof CertificateException
                    || c instanceof CertPathValidatorException
                    || c instanceof CertPathBuilderException) {
                return c;
            }
            if (c instanceof SSLException
                    && find(c.getCause(), SocketException.class) == null
                    && find(c.getCause(), EOFException.class) == null) {
                return c;
            }
        }
        return null;
    }

    /** Whether {@code t} says this thread was interrupted. */
    public static boolean isInterruption(Throwable t) {
        return find(t, InterruptedException.class) != null
                || find(t, ClosedByInterruptException.class) != null
                || find(t, InterruptedIOException.class) != null
                        && Thread.currentThread().isInterrupted();
    }

    /** The first throwable of {@code type} in {@code t}'s cause chain, or null. */
    public static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /** The first line of {@code message}, at most 300 characters; empty for null. */
    public static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        String m = (nl < 0 ? message : message.substring(0, nl)).strip();
        return m.length() > MAX_LINE ? m.substring(0, MAX_LINE) + "..." : m;
    }
}
