package dev.storageinit.pvc;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;

/** The conformance suite with destinations on an in-memory unix file system. */
class PvcJimfsUnixConformanceTest extends ConformanceSuite {
    private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());

    @Override
    protected StoreFixture createFixture() throws Exception {
        return new DirectoryFixture();
    }

    @Override
    protected Path newDestination(String name) {
        return fs.getPath("/work/out", base.replace("/", ""), name);
    }

    @AfterAll
    void closeFs() throws IOException {
        fs.close();
    }
}
