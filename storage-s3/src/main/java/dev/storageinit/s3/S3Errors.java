package dev.storageinit.s3;

import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.support.Failures;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Maps SDK failures to the core's typed exceptions through {@link Failures}, adding only S3's own error codes
 * (NoSuchBucket, the region redirect, the codes that mean denied or retry), never with a secret in the message.
 */
final class S3Errors {
    private static final Set<String> DENIED = Set.of(
            "AccessDenied",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "ExpiredToken",
            "TokenRefreshRequired",
            "InvalidToken",
            "AllAccessDisabled",
            "AccountProblem",
            "InvalidSecurity",
            "InvalidClientTokenId",
            "MissingSecurityHeader",
            "RequestTimeTooSkewed",
            "AuthorizationHeaderMalformed");
    private static final Set<String> RETRYABLE = Set.of(
            "SlowDown",
            "InternalError",
            "ServiceUnavailable",
            "RequestTimeout",
            "Throttling",
            "ThrottlingException",
            "TooManyRequests",
            "RequestLimitExceeded",
            "OperationAborted");

    private final String shown;
    private final S3Settings settings;
    private final Failures failures;

    S3Errors(String shown, S3Settings settings) {
        this.shown = shown;
        this.settings = settings;
        this.failures = new Failures(shown);
    }

    /** The shared mapper this one adds S3's codes to. */
    Failures failures() {
        return failures;
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
        String message =
                e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        String answer = Failures.answer(status, code, message);
        if ("NoSuchBucket".equals(code)) {
            return new NotFoundException(
                    shown,
                    "bucket '" + settings.bucket + "' does not exist at " + S3Clients.endpointText(settings.endpoint)
                            + " (" + answer + ")",
                    e);
        }
        if ("PreconditionFailed".equals(code)) {
            return failures.changed(what, answer, e);
        }
        if ((code != null && code.startsWith("PermanentRedirect"))
                || status == 301
                || ("AuthorizationHeaderMalformed".equals(code) && message != null && message.contains("region"))) {
            String region = e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null
                    ? null
                    : e.awsErrorDetails()
                            .sdkHttpResponse()
                            .firstMatchingHeader("x-amz-bucket-region")
                            .orElse(null);
            return new ConfigurationException(
                    shown,
                    "bucket '" + settings.bucket + "' is not in region "
                            + settings.region + " (" + settings.regionSource + ")"
                            + (region != null ? "; it is in " + region + ": set AWS_REGION=" + region : "")
                            + " (" + answer + ")",
                    e);
        }
        String credentials = settings.credentialsSource + "; endpoint: " + S3Clients.endpointText(settings.endpoint);
        if (code != null && DENIED.contains(code)) {
            return failures.forStatus(403, what, answer, credentials, e);
        }
        if (code != null && RETRYABLE.contains(code) && !Failures.isRetryableStatus(status)) {
            return TransferException.retryable(shown, what + " failed (" + answer + ")", e);
        }
        return failures.forStatus(status, what, answer, credentials, e);
    }

    private StorageException client(String what, SdkException e) {
        Throwable tls = Failures.tlsFailure(e);
        if (tls != null) {
            return failures.tls(
                    "TLS connection to " + S3Clients.endpointText(settings.endpoint) + " (" + what + ")",
                    tls,
                    settings.caBundles.isEmpty()
                            ? "if the server uses a private CA, point AWS_CA_BUNDLE (or the"
                                    + " cluster CA bundle) at its PEM certificate"
                            : "extra CA bundles in use: " + settings.caBundles,
                    e);
        }
        String msg = String.valueOf(e.getMessage());
        if (e instanceof SdkClientException && msg.contains("Unable to load credentials")) {
            return new AccessDeniedException(
                    shown,
                    "no AWS credentials found while " + what + "; looked in "
                            + settings.credentialsSource
                            + ". Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an rclone remote, "
                            + "or awsAnonymousCredential=true for a public bucket",
                    e);
        }
        if (e instanceof AbortedException || Failures.isInterruption(e)) {
            return TransferException.retryable(shown, what + " interrupted", e);
        }
        boolean retryable =
                Failures.find(e, IOException.class) != null || e.retryable() || e instanceof SdkClientException;
        return new TransferException(shown, what + " failed: " + Failures.firstLine(msg), retryable, e);
    }

    /** An IOException raised while a response body is read: kept retryable, re-labelled with the URI. */
    StorageException streamFailure(String what, IOException e) {
        if (e instanceof StorageException se) {
            return se;
        }
        if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
            return TransferException.retryable(shown, what + " interrupted", e);
        }
        return TransferException.retryable(shown, what + ": " + e, e);
    }
}
