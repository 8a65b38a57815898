package dev.storageinit.pvc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.LinkMode;
import dev.storageinit.Storage;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkModeTest {
    @TempDir
    Path temp;

    private Path volume() throws Exception {
        Path model = Files.createDirectories(temp.resolve("root/claim/model/sub"));
        Files.writeString(model.resolve("a.txt"), "aaa");
        Files.writeString(model.getParent().resolve("b.txt"), "bb");
        Files.createFile(model.getParent().resolve("empty"));
        return temp.resolve("root");
    }

    private DownloadResult download(Path root, Path dest, LinkMode mode) throws Exception {
        try (Storage s = Storage.builder().build()) {
            return s.download(DownloadRequest.builder("pvc://claim/model", dest)
                    .settings(CredentialSource.of(Map.of(PvcProvider.MOUNT_ROOT, root.toString())))
                    .linkMode(mode)
                    .build());
        }
    }

    @Test
    void hardLinksShareTheSourceFile() throws Exception {
        Path root = volume();
        Path dest = temp.resolve("hard");
        DownloadResult r = download(root, dest, LinkMode.HARD_LINK);
        assertThat(r.filesTransferred()).isEqualTo(3);
        assertThat(Files.isSameFile(dest.resolve("sub/a.txt"), root.resolve("claim/model/sub/a.txt")))
                .isTrue();
        assertThat(Files.isSymbolicLink(dest.resolve("b.txt"))).isFalse();
        assertThat(download(root, dest, LinkMode.HARD_LINK).filesSkipped()).isEqualTo(3);
    }

    @Test
    void symlinksPointAtTheVolumeAndReRunsSkipThem() throws Exception {
        Path root = volume();
        Path dest = temp.resolve("sym");
        download(root, dest, LinkMode.SYMLINK);
        assertThat(Files.isSymbolicLink(dest.resolve("sub/a.txt"))).isTrue();
        assertThat(Files.readString(dest.resolve("sub/a.txt"))).isEqualTo("aaa");
        assertThat(Files.size(dest.resolve("empty"))).isZero();
        DownloadResult again = download(root, dest, LinkMode.SYMLINK);
        assertThat(again.filesSkipped()).isEqualTo(3);
    }

    @Test
    void aDestinationOnAnotherFileSystemIsCopied() throws Exception {
        Path root = volume();
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path dest = fs.getPath("/dest");
            download(root, dest, LinkMode.SYMLINK);
            assertThat(Files.isSymbolicLink(dest.resolve("sub/a.txt"))).isFalse();
            assertThat(Files.readString(dest.resolve("sub/a.txt"))).isEqualTo("aaa");
        }
    }

    @Test
    void sourcesOnJimfsWorkToo() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path model = Files.createDirectories(fs.getPath("/mnt/pvc/claim/model/w"));
            Files.write(model.resolve("weights.bin"), new byte[3 << 20]);
            Path dest = fs.getPath("/models");
            try (Storage s = Storage.builder()
                    .providers(List.of(new PvcProvider(fs)))
                    .partSize(1 << 20)
                    .multipartThreshold(1 << 20)
                    .build()) {
                s.download(DownloadRequest.builder("pvc://claim/model", dest)
                        .settings(CredentialSource.none())
                        .build());
            }
            assertThat(Files.size(dest.resolve("w/weights.bin"))).isEqualTo(3 << 20);
        }
    }

    @Test
    void aSourceSymlinkLandsAsTheFileItLeadsToInEveryMode() throws Exception {
        Path root = volume();
        Path outside = Files.writeString(temp.resolve("outside-weights.bin"), "real bytes");
        Files.createSymbolicLink(root.resolve("claim/model/linked.bin"), outside);
        for (LinkMode mode : List.of(LinkMode.COPY, LinkMode.HARD_LINK)) {
            Path dest = temp.resolve("dest-" + mode);
            download(root, dest, mode);
            Path landed = dest.resolve("linked.bin");
            assertThat(Files.isSymbolicLink(landed))
                    .as("%s publishes a regular file", mode)
                    .isFalse();
            assertThat(Files.isRegularFile(landed, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .isTrue();
            assertThat(Files.readString(landed)).isEqualTo("real bytes");
        }
        Path sym = temp.resolve("dest-sym");
        download(root, sym, LinkMode.SYMLINK);
        assertThat(Files.readSymbolicLink(sym.resolve("linked.bin")))
                .as("a link to the file, not to the link")
                .isEqualTo(outside.toRealPath());
    }
}
