package dev.storageinit.azure;

/**
 * Where the requests for one Azure source go, and how they authenticate.
 *
 * @param endpoint the blob service URL without a trailing '/', e.g. {@code https://acct.blob.core.windows.net}
 * @param endpointDescription where the endpoint came from, e.g. {@code the URI's host}
 * @param auth the credential
 */
record AzureAccess(String endpoint, String endpointDescription, AzureAuth auth) {
    AzureAccess {
        endpoint = AzureChecks.stripTrailingSlashes(endpoint);
    }
}
