package dev.storageinit.azure;

import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;

/** The shared conformance suite against Azurite, through production-form URIs and an account key. */
class AzureConformanceTest extends ConformanceSuite {
    @Override
    protected StoreFixture createFixture() {
        return new AzuriteFixture("conformance");
    }
}
