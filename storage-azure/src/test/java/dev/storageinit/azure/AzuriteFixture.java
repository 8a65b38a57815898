package dev.storageinit.azure;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.PublicAccessType;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import dev.storageinit.CredentialSource;
import dev.storageinit.testkit.StoreFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A container in one of the shared Azurite servers (written with azure-storage-blob on {@link JdkAzureHttpClient}). {@link #uri} gives the production form
 * {@code https://devstoreaccount1.blob.core.windows.net/<container>/<path>}; {@link #settings()} points it at
 * Azurite with {@code AZURE_STORAGE_BLOB_ENDPOINT}, so the URI parsing under test is the production one.
 */
final class AzuriteFixture implements StoreFixture {
    private static final AtomicInteger CONTAINERS = new AtomicInteger();
    static final String WRONG_KEY = java.util.Base64.getEncoder()
            .encodeToString(
                    "definitely-not-the-devstoreaccount1-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));

    final AzuriteServer server;
    final String container;
    final BlobServiceClient service;
    final BlobContainerClient client;

    AzuriteFixture(String name) {
        this(name, null);
    }

    AzuriteFixture(String name, PublicAccessType access) {
        this(name, access, AzuriteServer.get());
    }

    AzuriteFixture(String name, PublicAccessType access, AzuriteServer server) {
        this.server = server;
        this.container = name + "-" + ProcessHandle.current().pid() + "-" + CONTAINERS.incrementAndGet();
        this.service = new BlobServiceClientBuilder()
                .connectionString(server.connectionString())
                .httpClient(server.sdkHttp())
                .buildClient();
        this.client = service.getBlobContainerClient(container);
        client.createWithResponse(null, access, null, null);
    }

    /** The URI path percent-encoded the way a browser or the portal spells a blob URL. */
    static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z'
                    || c >= 'A' && c <= 'Z'
                    || c >= '0' && c <= '9'
                    || "-._~/!$&'()*+,;=:@".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    @Override
    public String uri(String path) {
        return "https://" + AzuriteServer.ACCOUNT + ".blob.core.windows.net/" + container + "/" + encodePath(path);
    }

    /** Only the endpoint override (and the server's CA): what anonymous access and a SAS in the URI need. */
    Map<String, String> endpointOnly() {
        Map<String, String> m = new HashMap<>(server.trust());
        m.put(AzureAuthResolver.ENDPOINT_VAR, server.endpoint());
        return m;
    }

    @Override
    public CredentialSource settings() {
        Map<String, String> m = endpointOnly();
        m.put("AZURE_STORAGE_ACCESS_KEY", AzuriteServer.KEY);
        return CredentialSource.of(m);
    }

    @Override
    public OptionalInt port() {
        return OptionalInt.of(server.port);
    }

    @Override
    public CredentialSource settingsThrough(String endpoint) {
        // a container SAS, not the account key: SharedKey signs x-ms-range, a SAS signs the URL only, so a proxy
        // may drop the range header and the server answers 200 with the whole blob
        String sas = client.generateSas(new BlobServiceSasSignatureValues(
                OffsetDateTime.now().plusHours(2),
                new BlobContainerSasPermission().setReadPermission(true).setListPermission(true)));
        return CredentialSource.of(Map.of(
                AzureAuthResolver.ENDPOINT_VAR,
                endpoint + "/" + AzuriteServer.ACCOUNT,
                "AZURE_STORAGE_ACCESS_KEY",
                sas));
    }

    @Override
    public void put(String key, byte[] content) {
        client.getBlobClient(key).upload(BinaryData.fromBytes(content), true);
    }

    @Override
    public void put(String key, Path file) {
        client.getBlobClient(key).uploadFromFile(file.toString(), true);
    }

    @Override
    public String missingContainerUri() {
        return "https://" + AzuriteServer.ACCOUNT + ".blob.core.windows.net/no-such-container-" + container + "/model";
    }

    @Override
    public String wrongCredentialsVariable() {
        return "AZURE_STORAGE_ACCESS_KEY";
    }

    @Override
    public Optional<CredentialSource> wrongCredentials() {
        Map<String, String> m = endpointOnly();
        m.put("AZURE_STORAGE_ACCESS_KEY", WRONG_KEY);
        return Optional.of(CredentialSource.of(m));
    }

    @Override
    public void close() {
        client.deleteIfExists();
    }
}
