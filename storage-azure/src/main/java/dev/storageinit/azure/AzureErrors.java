package dev.storageinit.azure;

import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.spi.support.Failures;

/** Azure's own error codes on top of {@link Failures}, for both data paths (REST and SDK). */
final class AzureErrors {
    private final AzureLocation location;
    private final AzureAuth auth;
    private final Failures failures;

    AzureErrors(AzureLocation location, AzureAuth auth) {
        this.location = location;
        this.auth = auth;
        this.failures = new Failures(location.shown());
    }

    /** The typed error for an answer with {@code status} and {@code x-ms-error-code} {@code code} (may be null). */
    StorageException status(int status, String code, String what, Throwable cause) {
        String answer = Failures.answer(status, code, null);
        if ("ContainerNotFound".equals(code)) {
            return new NotFoundException(
                    location.shown(),
                    "container '" + location.container() + "' does not exist at " + auth.endpoint + " (" + answer + ")",
                    cause);
        }
        if ("ConditionNotMet".equals(code)) {
            return failures.changed(what, answer, cause);
        }
        if (status == 404 && auth.kind == AzureAuth.Kind.ANONYMOUS) {
            return new NotFoundException(
                    location.shown(),
                    what + ": not found (" + answer + "); with anonymous access "
                            + "a private container also answers 404: set credentials (" + auth.description() + ")",
                    cause);
        }
        boolean denied = "AuthenticationFailed".equals(code) || "AuthorizationFailure".equals(code);
        return failures.forStatus(denied ? 403 : status, what, answer, auth.description(), cause);
    }

    /** The typed error for a failure without an answer (TLS, interruption, a cut connection). */
    StorageException cause(String what, Throwable cause) {
        return failures.fromCause(what, cause, null);
    }
}
