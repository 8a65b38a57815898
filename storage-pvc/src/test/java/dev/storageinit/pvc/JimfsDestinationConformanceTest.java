package dev.storageinit.pvc;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.storageinit.testkit.ConformanceSuite;
import dev.storageinit.testkit.StoreFixture;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/** The conformance suite with destinations on in-memory file systems: unix, and windows ('\', drive roots). */
class JimfsDestinationConformanceTest {

    /** One file system configuration. */
    abstract static class OnJimfs extends ConformanceSuite {
        private final FileSystem fs;
        private final String root;

        OnJimfs(Configuration configuration, String root) {
            this.fs = Jimfs.newFileSystem(configuration);
            this.root = root;
        }

        @Override
        protected StoreFixture createFixture() throws Exception {
            return new DirectoryFixture();
        }

        @Override
        protected Path newDestination(String name) {
            return fs.getPath(root, base.replace("/", ""), name);
        }

        @AfterAll
        void closeFs() throws IOException {
            fs.close();
        }
    }

    @Nested
    class Unix extends OnJimfs {
        Unix() {
            super(Configuration.unix(), "/work/out");
        }
    }

    @Nested
    class Windows extends OnJimfs {
        Windows() {
            super(Configuration.windows(), "C:\\work\\out");
        }
    }
}
