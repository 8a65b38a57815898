package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.storageinit.UnsafePathException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathGuardTest {
    private static PathGuard guard(FileSystem fs, String root) throws Exception {
        Path dir = Files.createDirectories(fs.getPath(root));
        return new PathGuard("s3://b/m", dir, Set.of(".manifest"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/../../x", "..", "a/..", "/", "", ".manifest", "a\0b"})
    void unixRefusals(String key) throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            PathGuard g = guard(fs, "/dest");
            assertThatThrownBy(() -> g.resolve(key))
                    .isInstanceOf(UnsafePathException.class)
                    .hasMessageStartingWith("s3://b/m: refused key");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"..\\x", "a\\..\\..\\x", "C:\\x", "C:x", "a/b:stream", "\\\\server\\share\\x", "con."})
    void windowsRefusals(String key) throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.windows())) {
            PathGuard g = guard(fs, "C:\\dest");
            assertThatThrownBy(() -> g.resolve(key)).isInstanceOf(UnsafePathException.class);
        }
    }

    @Test
    void ordinaryKeysResolveInside() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            PathGuard g = guard(fs, "/dest");
            assertThat(g.resolve("a//b/./c d#%.txt")).isEqualTo(fs.getPath("/dest/a/b/c d#%.txt"));
            assertThat(g.resolve("back\\slash")).isEqualTo(fs.getPath("/dest/back\\slash"));
            assertThatThrownBy(() -> g.resolve("a/b/c d#%.txt")).hasMessageContaining("same file");
        }
    }

    @Test
    void aParentSymlinkLeadingOutIsRefused() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            PathGuard g = guard(fs, "/dest");
            Files.createDirectories(fs.getPath("/elsewhere"));
            Files.createSymbolicLink(fs.getPath("/dest/link"), fs.getPath("/elsewhere"));
            Path target = g.resolve("link/file");
            assertThatThrownBy(() -> g.prepareParent(target))
                    .isInstanceOf(UnsafePathException.class)
                    .hasMessageContaining("link out of the destination");
        }
    }
}
