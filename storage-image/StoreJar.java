import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Copies a jar with every entry stored, not deflated ({@code java StoreJar.java IN OUT}), in the same order. The image
 * layer is gzipped as a whole, which compresses across entries: 30 MB instead of 40 MB for the CLI jar.
 */
class StoreJar {
    public static void main(String[] args) throws Exception {
        try (ZipInputStream in = new ZipInputStream(new BufferedInputStream(Files.newInputStream(Path.of(args[0]))));
             ZipOutputStream out = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(args[1]))))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] data = in.readAllBytes();
                CRC32 crc = new CRC32();
                crc.update(data);
                ZipEntry stored = new ZipEntry(e.getName());
                stored.setMethod(ZipEntry.STORED);
                stored.setSize(data.length);
                stored.setCompressedSize(data.length);
                stored.setCrc(crc.getValue());
                stored.setTime(e.getTime());
                out.putNextEntry(stored);
                out.write(data);
                out.closeEntry();
            }
        }
    }
}
