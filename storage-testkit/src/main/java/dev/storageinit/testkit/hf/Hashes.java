package dev.storageinit.testkit.hf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The Hub's content identities: SHA-256 (LFS) and the git blob id (SHA-1 of {@code "blob <size>\0"} + content). */
final class Hashes {
    private Hashes() {}

    /** A local file's size, SHA-256 and git blob id (null when not asked for). */
    record Of(long size, String sha256, String gitOid) {}

    /** Reads {@code file} once for its SHA-256 and, when {@code gitOid}, its git blob id. */
    static Of of(Path file, boolean gitOid) throws IOException {
        long size = Files.size(file);
        MessageDigest sha256 = digest("SHA-256");
        MessageDigest sha1 = gitOid ? digest("SHA-1") : null;
        if (sha1 != null) {
            sha1.update(header(size));
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                sha256.update(buf, 0, n);
                if (sha1 != null) {
                    sha1.update(buf, 0, n);
                }
            }
        }
        return new Of(size, hex(sha256.digest()), sha1 == null ? null : hex(sha1.digest()));
    }

    static String sha256(byte[] content) {
        return hex(digest("SHA-256").digest(content));
    }

    static String gitBlob(byte[] content) {
        MessageDigest sha1 = digest("SHA-1");
        sha1.update(header(content.length));
        return hex(sha1.digest(content));
    }

    static String sha1Hex(String text) {
        return hex(digest("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] header(long size) {
        return ("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(name + " missing from the JDK", e);
        }
    }
}
