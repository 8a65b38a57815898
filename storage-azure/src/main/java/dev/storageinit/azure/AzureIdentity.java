package dev.storageinit.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.identity.AadCredentialBuilderBase;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import java.util.Locale;

/**
 * Which Azure identity gets the tokens, and how to build its azure-identity {@link TokenCredential}. The credential
 * makes its token requests through {@code http} (the source's own JDK client): azure-identity needs no HTTP stack
 * of its own. A null {@code authorityHost} leaves azure-identity's default (or {@code AZURE_AUTHORITY_HOST} in the
 * process environment).
 */
sealed interface AzureIdentity {
    /** The credential; azure-identity's builders reject what they cannot use with an unchecked exception. */
    TokenCredential credential(HttpClient http);

    /** A service principal's client secret. */
    record ClientSecret(String tenantId, String clientId, String secret, String authorityHost)
            implements AzureIdentity {
        @Override
        public TokenCredential credential(HttpClient http) {
            return aad(new ClientSecretCredentialBuilder().clientSecret(secret), tenantId, clientId, authorityHost)
                    .httpClient(http)
                    .build();
        }

        @Override
        public String toString() {
            return "ClientSecret[tenant " + tenantId + ", client " + clientId + "]";
        }
    }

    /** A service principal's certificate: PEM, or PFX/PKCS#12 ({@code .pfx}, {@code .p12}) with a password. */
    record ClientCertificate(String tenantId, String clientId, String path, String password, String authorityHost)
            implements AzureIdentity {
        @Override
        public TokenCredential credential(HttpClient http) {
            ClientCertificateCredentialBuilder b = new ClientCertificateCredentialBuilder();
            String lower = path.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".pfx") || lower.endsWith(".p12")) {
                b.pfxCertificate(path);
                if (password != null) {
                    b.clientCertificatePassword(password);
                }
            } else {
                b.pemCertificate(path);
            }
            return aad(b, tenantId, clientId, authorityHost).httpClient(http).build();
        }

        @Override
        public String toString() {
            return "ClientCertificate[tenant " + tenantId + ", client " + clientId + ", " + path + "]";
        }
    }

    /** Workload identity (AKS): a federated token file exchanged for an Azure AD token. */
    record Workload(String tenantId, String clientId, String tokenFile, String authorityHost) implements AzureIdentity {
        @Override
        public TokenCredential credential(HttpClient http) {
            return aad(
                            new WorkloadIdentityCredentialBuilder().tokenFilePath(tokenFile),
                            tenantId,
                            clientId,
                            authorityHost)
                    .httpClient(http)
                    .build();
        }
    }

    /** Managed identity: user-assigned for {@code clientId}, system-assigned when it is null. */
    record Managed(String clientId) implements AzureIdentity {
        @Override
        public TokenCredential credential(HttpClient http) {
            ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder().httpClient(http);
            if (clientId != null) {
                b.clientId(clientId);
            }
            return b.build();
        }
    }

    private static <T extends AadCredentialBuilderBase<T>> T aad(
            T builder, String tenantId, String clientId, String authorityHost) {
        builder.clientId(clientId);
        if (tenantId != null) {
            builder.tenantId(tenantId);
        }
        if (authorityHost != null) {
            builder.authorityHost(authorityHost);
        }
        return builder;
    }
}
