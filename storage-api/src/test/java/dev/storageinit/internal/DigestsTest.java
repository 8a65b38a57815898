package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.spi.Checksum;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checksum functions against their published check values ("123456789"). */
class DigestsTest {
    private static String hexOf(Checksum.Algorithm algorithm, byte[] data) {
        Digests.Digest d = Digests.create(algorithm);
        d.update(data, 0, data.length);
        return d.hex();
    }

    @Test
    void checkValues() {
        byte[] nine = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(hexOf(Checksum.Algorithm.CRC32, nine)).isEqualTo("cbf43926");
        assertThat(hexOf(Checksum.Algorithm.CRC32C, nine)).isEqualTo("e3069283");
        assertThat(hexOf(Checksum.Algorithm.CRC64NVME, nine)).isEqualTo("ae8b14860a799888");
        assertThat(hexOf(Checksum.Algorithm.MD5, nine)).isEqualTo("25f9e794323b453885f5181f1b624d0b");
        assertThat(hexOf(Checksum.Algorithm.CRC64NVME, new byte[0])).isEqualTo("0000000000000000");
    }

    @Test
    void gitBlobIdsAreTheOnesGitComputes() {
        // `git hash-object` of an empty file and of "hello\n"
        Digests.Digest empty = Digests.create(Checksum.Algorithm.GIT_BLOB_SHA1, 0);
        assertThat(empty.hex()).isEqualTo("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
        Digests.Digest d = Digests.create(Checksum.Algorithm.GIT_BLOB_SHA1, hello.length);
        d.update(hello, 0, hello.length);
        assertThat(d.hex()).isEqualTo("ce013625030ba8dba906f756967f9e9ca394464a");
        assertThat(hexOf(Checksum.Algorithm.SHA256, hello))
                .isEqualTo("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    }

    @Test
    void crc64NvmeIsTheSameWhateverTheSlicing() {
        byte[] data = new byte[100_003];
        new Random(7).nextBytes(data);
        String whole = hexOf(Checksum.Algorithm.CRC64NVME, data);
        for (int step : List.of(1, 3, 7, 8, 9, 4096)) {
            Digests.Digest d = Digests.create(Checksum.Algorithm.CRC64NVME);
            for (int off = 0; off < data.length; off += step) {
                d.update(data, off, Math.min(step, data.length - off));
            }
            assertThat(d.hex()).as("step " + step).isEqualTo(whole);
        }
    }

    @Test
    void base64AsS3SendsItIsBigEndian() {
        // S3 sends x-amz-checksum-crc64nvme as the base64 of the 8 big-endian bytes
        Checksum c = Checksum.ofBase64(Checksum.Algorithm.CRC64NVME, "rosUhgp5mIg=");
        assertThat(c.hex()).isEqualTo("ae8b14860a799888");
    }
}
