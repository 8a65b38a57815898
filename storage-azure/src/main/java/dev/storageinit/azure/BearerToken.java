package dev.storageinit.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.ConfigurationException;
import dev.storageinit.StorageException;
import dev.storageinit.spi.http.JdkHttp;
import dev.storageinit.spi.http.Signer;
import dev.storageinit.spi.support.Failures;
import dev.storageinit.spi.support.Redactor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * {@code Authorization: Bearer} with a token for Azure Storage ({@value #SCOPE}) from an azure-identity credential.
 * One token serves every request of the source: it is fetched when the first request is signed, and again from
 * {@link #REFRESH_BEFORE} before it expires (or half-way through a shorter life); the requests signed meanwhile wait
 * for that one fetch. A failed refresh keeps a token that is still valid and tries again 30 s later. Every token is
 * registered with the {@link Redactor}.
 */
final class BearerToken implements Signer {
    static final String SCOPE = "https://storage.azure.com/.default";
    static final Duration REFRESH_BEFORE = Duration.ofMinutes(5);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final TokenCredential credential;
    private final TokenRequestContext request = new TokenRequestContext().addScopes(SCOPE);
    private final Failures failures;
    private final String description;
    private final Clock clock;
    private AccessToken token;
    private Instant refreshAt = Instant.MIN;

    /**
     * The signer for {@code token}'s identity, whose token requests go through the source's client {@code http}
     * (so a key or SAS source never loads an azure-core class).
     *
     * @param timeout longest wait for a token endpoint's answer
     * @throws ConfigurationException when azure-identity cannot build the credential
     */
    static BearerToken of(AzureAuth.Token token, JdkHttp http, Duration timeout, Failures failures)
            throws ConfigurationException {
        try {
            TokenCredential credential = token.identity().credential(new JdkAzureHttpClient(http, timeout));
            return new BearerToken(credential, failures, token.description(), Clock.systemUTC());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigurationException(
                    failures.uri(), "cannot use " + token.description() + ": " + Failures.firstLine(e.getMessage()), e);
        }
    }

    /** @param description the credential, named in errors (never a value) */
    BearerToken(TokenCredential credential, Failures failures, String description, Clock clock) {
        this.credential = credential;
        this.failures = failures;
        this.description = description;
        this.clock = clock;
    }

    @Override
    public void sign(Signer.Request r) throws StorageException {
        r.set("Authorization", authorization());
    }

    /** {@code Bearer <token>}, with the token in hand or a fresh one. */
    String authorization() throws StorageException {
        return "Bearer " + token();
    }

    private synchronized String token() throws StorageException {
        Instant now = clock.instant();
        if (token != null && now.isBefore(refreshAt)) {
            return token.getToken();
        }
        AccessToken fresh;
        try {
            fresh = Objects.requireNonNull(credential.getTokenSync(request), "the credential gave no token");
        } catch (RuntimeException e) {
            if (token == null || !now.isBefore(token.getExpiresAt().toInstant())) {
                throw refused(e);
            }
            refreshAt = now.plus(RETRY_AFTER);
            return token.getToken();
        }
        Redactor.secret(fresh.getToken());
        Instant expires = fresh.getExpiresAt().toInstant();
        Instant early = expires.minus(REFRESH_BEFORE);
        Instant halfway = now.plus(Duration.between(now, expires).dividedBy(2));
        token = fresh;
        refreshAt = early.isAfter(halfway) ? early : halfway;
        return fresh.getToken();
    }

    /**
     * A token endpoint that answered no: {@link AccessDeniedException}; one that could not be reached (an I/O failure
     * under azure-identity's exception): retryable, or a TLS configuration error.
     */
    private StorageException refused(RuntimeException e) {
        IOException io = Failures.find(e, IOException.class);
        if (io == null && e instanceof ClientAuthenticationException) {
            return new AccessDeniedException(
                    failures.uri(),
                    "could not get a token using " + description + ": " + Failures.firstLine(e.getMessage()),
                    e);
        }
        return failures.fromCause("could not get a token using " + description, io != null ? io : e, null);
    }
}
