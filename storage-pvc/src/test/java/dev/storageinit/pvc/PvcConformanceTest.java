package dev.storageinit.pvc;

import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;

/** The conformance suite against a volume on the local disk, destination on the local disk. */
class PvcConformanceTest extends ConformanceSuite {
    @Override
    protected StoreFixture createFixture() throws Exception {
        return new DirectoryFixture();
    }
}
