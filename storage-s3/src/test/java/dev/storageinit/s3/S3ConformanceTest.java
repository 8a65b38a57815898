package dev.storageinit.s3;

import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;

/** The shared contract, against s3proxy over plain HTTP with SigV4. */
class S3ConformanceTest extends ConformanceSuite {
    @Override
    protected StoreFixture createFixture() throws Exception {
        return new S3Fixture(S3ProxyServer.shared());
    }
}
