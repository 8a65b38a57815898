package dev.storageinit.gcs;

import dev.storageinit.CredentialSource;
import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;
import dev.storageinit.testkit.gcs.GcsJsonApiServer;
import dev.storageinit.testkit.gcs.ServiceAccountKeys;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The conformance suite against {@link GcsJsonApiServer} through the provider's JSON API requests: a bucket
 * that requires a bearer token, read with a service-account key file ({@code GOOGLE_APPLICATION_CREDENTIALS}) whose
 * token comes from the fixture's OAuth endpoint, the endpoint set by {@code STORAGE_EMULATOR_HOST}.
 */
class GcsConformanceTest extends ConformanceSuite {
    static final String BUCKET = "conformance";

    @Override
    protected StoreFixture createFixture() throws Exception {
        GcsJsonApiServer server = GcsJsonApiServer.start();
        GcsJsonApiServer.Bucket bucket = server.bucket(BUCKET).requireToken(true);
        Path dir = Files.createTempDirectory("gcs-conformance");
        Path key = ServiceAccountKeys.trusted(server, dir, "loader@fixture-project.iam.gserviceaccount.com");
        CredentialSource credentials = CredentialSource.of(Map.of(
                "GOOGLE_APPLICATION_CREDENTIALS", key.toString(),
                "STORAGE_EMULATOR_HOST", server.endpoint()));
        return new StoreFixture() {
            @Override
            public String uri(String path) {
                return "gs://" + BUCKET + "/" + path;
            }

            @Override
            public CredentialSource settings() {
                return credentials;
            }

            @Override
            public OptionalInt port() {
                return OptionalInt.of(URI.create(server.endpoint()).getPort());
            }

            @Override
            public CredentialSource settingsThrough(String endpoint) {
                return CredentialSource.of(
                        Map.of("GOOGLE_APPLICATION_CREDENTIALS", key.toString(), "STORAGE_EMULATOR_HOST", endpoint));
            }

            @Override
            public void put(String key, byte[] content) {
                bucket.put(key, content);
            }

            @Override
            public String missingContainerUri() {
                return "gs://no-such-bucket/model";
            }

            @Override
            public String wrongCredentialsVariable() {
                return "RCLONE_CONFIG_GS_ACCESS_TOKEN";
            }

            @Override
            public Optional<CredentialSource> wrongCredentials() {
                return Optional.of(CredentialSource.of(Map.of(
                        "RCLONE_CONFIG_GS_ACCESS_TOKEN",
                        "ya29.not-a-token-the-server-issued",
                        "STORAGE_EMULATOR_HOST",
                        server.endpoint())));
            }

            @Override
            public void close() throws java.io.IOException {
                server.close();
                Files.deleteIfExists(key);
                Files.deleteIfExists(dir);
            }
        };
    }
}
