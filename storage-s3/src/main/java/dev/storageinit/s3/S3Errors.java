package dev.storageinit.s3;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.IntegrityException;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.cert.CertificateException;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** Maps SDK failures to the core's typed exceptions, never with a secret in the message. */
final class S3Errors {
    private static final Set<String> DENIED = Set.of("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
            "ExpiredToken", "TokenRefreshRequired", "InvalidToken", "AllAccessDisabled", "AccountProblem",
            "InvalidSecurity", "InvalidClientTokenId", "MissingSecurityHeader", "RequestTimeTooSkewed",
            "AuthorizationHeaderMalformed");
    private static final Set<String> RETRYABLE = Set.of("SlowDown", "InternalError", "ServiceUnavailable",
            "RequestTimeout", "Throttling", "ThrottlingException", "TooManyRequests", "RequestLimitExceeded",
            "OperationAborted");

    private final String shown;
    private final S3Settings settings;

    S3Errors(String shown, S3Settings settings) {
        this.shown = shown;
        this.settings = settings;
    }

    /** {@code what} names the operation and key, e.g. "listing prefix 'models/'". */
    StorageException map(String what, SdkException e) {
        if (e instanceof AwsServiceException) {
            return service(what, (AwsServiceException) e);
        }
        return client(what, e);
    }

    private StorageException service(String what, AwsServiceException e) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        String answer = "HTTP " + status + (code == null || code.isEmpty() ? "" : " " + code)
                + (message == null || message.isEmpty() ? "" : ": " + message);
        if ("NoSuchBucket".equals(code)) {
            return new NotFoundException(shown, "bucket '" + settings.bucket + "' does not exist at "
                    + S3Clients.endpointText(settings.endpoint) + " (" + answer + ")", e);
        }
        if (status == 412 || "PreconditionFailed".equals(code)) {
            return new IntegrityException(shown, "object changed while downloading: " + what
                    + " no longer has the ETag it was listed with (" + answer + ")", e);
        }
        if ((code != null && code.startsWith("PermanentRedirect")) || status == 301
                || ("AuthorizationHeaderMalformed".equals(code) && message != null && message.contains("region"))) {
            String region = e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null ? null
                    : e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("x-amz-bucket-region").orElse(null);
            return new ConfigurationException(shown, "bucket '" + settings.bucket + "' is not in region "
                    + settings.region + " (" + settings.regionSource + ")"
                    + (region != null ? "; it is in " + region + ": set AWS_REGION=" + region : "")
                    + " (" + answer + ")", e);
        }
        if (status == 403 || status == 401 || (code != null && DENIED.contains(code))) {
            return denied(what, answer, e);
        }
        if (status == 404) {
            return new NotFoundException(shown, what + ": not found (" + answer + ")", e);
        }
        boolean retryable = status == 429 || status >= 500 && status != 501 || (code != null && RETRYABLE.contains(code));
        return new TransferException(shown, what + " failed (" + answer + ")", retryable, e);
    }

    private StorageException denied(String what, String answer, Throwable e) {
        return new AccessDeniedException(shown, "access denied while " + what + " (" + answer + "); credentials: "
                + settings.credentialsSource + "; endpoint: " + S3Clients.endpointText(settings.endpoint), e);
    }

    private StorageException client(String what, SdkException e) {
        Throwable tls = find(e, SSLHandshakeException.class, SSLPeerUnverifiedException.class, CertificateException.class);
        if (tls != null) {
            return new ConfigurationException(shown, "TLS connection to " + S3Clients.endpointText(settings.endpoint)
                    + " failed while " + what + ": " + tls.getMessage()
                    + (settings.caBundles.isEmpty() ? "; if the server uses a private CA, point AWS_CA_BUNDLE (or the"
                    + " cluster CA bundle) at its PEM certificate" : "; extra CA bundles in use: " + settings.caBundles),
                    e);
        }
        String msg = String.valueOf(e.getMessage());
        if (e instanceof SdkClientException && msg.contains("Unable to load credentials")) {
            return new AccessDeniedException(shown, "no AWS credentials found while " + what + "; looked in "
                    + settings.credentialsSource + ". Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an rclone remote, "
                    + "or awsAnonymousCredential=true for a public bucket", e);
        }
        if (e instanceof AbortedException || find(e, InterruptedException.class) != null) {
            return new TransferException(shown, what + " interrupted", true, e);
        }
        boolean io = find(e, IOException.class) != null || e.retryable();
        return new TransferException(shown, what + " failed: " + firstLine(msg), io || e instanceof SdkClientException, e);
    }

    /** An IOException raised while a response body is read: kept retryable, re-labelled with the URI. */
    IOException streamFailure(String what, IOException e) {
        if (e instanceof StorageException) {
            return e;
        }
        if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
            return new TransferException(shown, what + " interrupted", true, e);
        }
        return new TransferException(shown, what + ": " + e, true, e);
    }

    @SafeVarargs
    private static Throwable find(Throwable e, Class<? extends Throwable>... types) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return t;
                }
            }
        }
        return null;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
