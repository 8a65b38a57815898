package dev.storageinit.azure;

import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/**
 * The shared conformance suite against Azurite, through production-form URIs, on both data paths: the Blob REST API
 * on the JDK client (the default for an account key or a SAS) and the SDK ({@code AZURE_STORAGE_DATA_PATH=sdk}).
 */
class AzureConformanceTest {

    @Nested
    class Rest extends ConformanceSuite {
        @Override
        protected StoreFixture createFixture() {
            return new AzuriteFixture("conformance");
        }
    }

    @Nested
    class Sdk extends ConformanceSuite {
        @Override
        protected StoreFixture createFixture() {
            return new AzuriteFixture("conformance-sdk", null, Map.of(AzureProvider.DATA_PATH_VAR, "sdk"));
        }
    }
}
