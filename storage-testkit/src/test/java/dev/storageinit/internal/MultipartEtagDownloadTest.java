package dev.storageinit.internal;

import static dev.storageinit.internal.MultipartEtag.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.CredentialSource;
import dev.storageinit.DownloadRequest;
import dev.storageinit.DownloadResult;
import dev.storageinit.IntegrityException;
import dev.storageinit.Storage;
import dev.storageinit.StorageException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.testkit.memory.MemoryProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine with multipart ETags: ranges aligned to parts, resumed reads, the warnings, STORAGE_VERIFY_MD5. */
class MultipartEtagDownloadTest {
    @TempDir
    Path temp;

    private final MemoryProvider store = new MemoryProvider();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Logger engineLog = Logger.getLogger("dev.storageinit.engine");
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(new SimpleFormatter().formatMessage(r));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void listen() {
        engineLog.addHandler(handler);
    }

    @AfterEach
    void stopListening() {
        engineLog.removeHandler(handler);
    }

    private static byte[] bytes(long n, long seed) {
        byte[] b = new byte[(int) n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Checksum md5(byte[] b) throws Exception {
        return Checksum.ofHex(
                Checksum.Algorithm.MD5,
                HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b)));
    }

    private DownloadResult download(String dir, Map<String, String> settings) throws StorageException {
        try (Storage s = Storage.builder()
                .providers(List.of(store))
                .concurrency(4)
                .partSize(64 << 10)
                .multipartThreshold(64 << 10)
                .retryBackoff(Duration.ofMillis(1))
                .build()) {
            return s.download(DownloadRequest.builder("mem://b/m", temp.resolve(dir))
                    .settings(CredentialSource.of(settings))
                    .build());
        }
    }

    @Test
    void rangesAreWholePartsAndAResumedReadContinuesItsPartsDigest() throws Exception {
        byte[] content = bytes(16 * MIB + 1, 1); // 5, 5, 5 and 1 MiB + 1
        Checksum etag = store.putInParts("m/w.bin", content, 5 * MIB);
        store.faults().cutAfter(300_000, 5);
        download("ok", Map.of());
        assertThat(Files.readAllBytes(temp.resolve("ok/w.bin"))).isEqualTo(content);
        assertThat(store.reads())
                .as("4 ranges of 5 MiB or less, 5 of them resumed")
                .isEqualTo(4 + 5);
        assertThat(warnings).isEmpty();

        store.faults().corruptNextReads(4, false); // every range of the first download
        download("corrupt-once", Map.of());
        assertThat(Files.readAllBytes(temp.resolve("corrupt-once/w.bin"))).isEqualTo(content);
        assertThat(warnings)
                .singleElement()
                .asString()
                .contains("w.bin: MULTIPART_MD5 mismatch")
                .endsWith("; fetching it again (1 of 2)");

        store.faults().corruptNextReads(1000, true);
        assertThatThrownBy(() -> download("corrupt", Map.of()))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("w.bin: MULTIPART_MD5 mismatch: store says " + etag.hex())
                .hasMessageContaining("(after 3 downloads); not published");
        assertThat(temp.resolve("corrupt/w.bin")).doesNotExist();
    }

    @Test
    void theSameBytesTwiceUnlikeTheEtagAreAcceptedWithAWarningOrCheckedByTheirMd5() throws Exception {
        byte[] content = bytes(11 * MIB, 2); // two parts of 5.5 MiB: whole MiB of 6 to 10 fit, none is right
        Checksum etag = store.putInParts("m/odd.bin", content, 11 * MIB / 2);
        download("odd", Map.of());
        assertThat(Files.readAllBytes(temp.resolve("odd/odd.bin"))).isEqualTo(content);
        assertThat(store.reads()).as("downloaded twice, in ranges of 8 MiB").isEqualTo(4);
        assertThat(warnings)
                .hasSize(2)
                .last()
                .asString()
                .startsWith("mem://b/m: m/odd.bin: downloaded twice, the same bytes do not match its multipart ETag "
                        + etag.hex() + " with parts of 8 MiB or 6 MiB or 10 MiB or 7 MiB")
                .endsWith("; only its size is verified");

        warnings.clear();
        store.checksums("m/odd.bin", md5(content), etag); // an MD5 first, as rclone's md5chksum
        download("odd-md5", Map.of());
        assertThat(warnings).last().asString().endsWith("; verifying its MD5 instead");
        store.checksums("m/odd.bin", md5(new byte[1]), etag);
        assertThatThrownBy(() -> download("odd-bad-md5", Map.of()))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("odd.bin: MD5 mismatch");
    }

    @Test
    void anEtagNoPartSizeCanExplainIsWarnedAboutOnceAndAnMd5VerifiedInstead() throws Exception {
        byte[] content = bytes(MIB, 3); // four parts of 256 KiB: below S3's smallest part
        Checksum etag = store.putInParts("m/small-parts.bin", content, 256 << 10);
        download("small", Map.of());
        assertThat(store.reads()).isEqualTo(16);
        assertThat(warnings)
                .containsExactly("mem://b/m: m/small-parts.bin: cannot verify its multipart ETag "
                        + etag.hex()
                        + ": no part size of whole MiB cuts its 1048576"
                        + " bytes into that many parts; only its size is verified");

        warnings.clear();
        store.checksums("m/small-parts.bin", etag, md5(new byte[1]));
        assertThatThrownBy(() -> download("small-bad-md5", Map.of()))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("small-parts.bin: MD5 mismatch");
        assertThat(warnings).first().asString().endsWith("; verifying its MD5 instead");
    }

    @Test
    void storageVerifyMd5GovernsTheMultipartEtagLikeAnMd5() throws Exception {
        byte[] content = bytes(5 * MIB + 1, 4);
        store.putInParts("m/w.bin", content, 5 * MIB);
        store.faults().corruptNextReads(1000, true);
        assertThat(download("never", Map.of("STORAGE_VERIFY_MD5", "never")).filesTransferred())
                .isEqualTo(1);

        store.faults().corruptNextReads(0, false);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(content);
        store.checksums(
                "m/w.bin",
                Checksum.ofHex(Checksum.Algorithm.CRC32C, String.format("%08x", crc.getValue())),
                Checksum.ofHex(Checksum.Algorithm.MULTIPART_MD5, "0".repeat(32) + "-2"));
        download("auto", Map.of()); // a CRC32C covers the object: the (wrong) multipart ETag is not computed
        assertThat(warnings).isEmpty();
        download("always", Map.of("STORAGE_VERIFY_MD5", "always"));
        assertThat(warnings).last().asString().contains("w.bin: downloaded twice, the same bytes do not match");
    }

    @Test
    void theMultipartEtagIsPreferredToAnMd5OfTheWholeObjectAndKeptInTheManifest() throws Exception {
        byte[] content = bytes(10 * MIB, 5);
        Checksum etag = store.putInParts("m/w.bin", content, 5 * MIB);
        store.checksums("m/w.bin", md5(new byte[1]), etag); // a wrong MD5, not computed: the ETag is verified instead
        download("both", Map.of());
        assertThat(TransferEngineTest.manifestOf(temp.resolve("both")))
                .contains("MD5:" + md5(new byte[1]).hex());
        assertThatThrownBy(() -> download("both-always", Map.of("STORAGE_VERIFY_MD5", "always")))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("w.bin: MD5 mismatch");
    }
}
