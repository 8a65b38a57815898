package dev.storageinit.hf;

import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;

/**
 * The conformance suite against the {@link dev.storageinit.testkit.hf.FakeHub}: private repositories read with
 * {@code HF_TOKEN}, files kept in git and in LFS (behind the CDN's redirects), every one verified. A Hub differs from
 * a bucket in two flagged ways: a URI names a repository, never one file, and a download reads one commit, so an
 * object replaced during it lands as it was.
 */
class HfConformanceTest extends ConformanceSuite {
    @Override
    protected StoreFixture createFixture() throws Exception {
        return new HubStore();
    }
}
