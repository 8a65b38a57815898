package dev.storageinit.azure;

import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.spi.support.Failures;

/** Azure's own error codes on top of {@link Failures}. */
final class AzureErrors {
    private final AzureLocation location;
    private final AzureAccess access;
    private final Failures failures;

    AzureErrors(AzureLocation location, AzureAccess access) {
        this.location = location;
        this.access = access;
        this.failures = new Failures(location.shown());
    }

    /** The typed error for an answer with {@code status} and {@code x-ms-error-code} {@code code} (may be null). */
    StorageException status(int status, String code, String what) {
        String answer = Failures.answer(status, code, null);
        if ("ContainerNotFound".equals(code)) {
            return new NotFoundException(
                    location.shown(),
                    "container '" + location.container() + "' does not exist at " + access.endpoint() + " (" + answer
                            + ")",
                    null);
        }
        if ("ConditionNotMet".equals(code)) {
            return failures.changed(what, answer, null);
        }
        if (status == 404 && access.auth() instanceof AzureAuth.Anonymous) {
            return new NotFoundException(
                    location.shown(),
                    what + ": not found (" + answer + "); with anonymous access "
                            + "a private container also answers 404: set credentials ("
                            + access.auth().description() + ")",
                    null);
        }
        boolean denied = "AuthenticationFailed".equals(code) || "AuthorizationFailure".equals(code);
        return failures.forStatus(
                denied ? 403 : status, what, answer, access.auth().description(), null);
    }
}
