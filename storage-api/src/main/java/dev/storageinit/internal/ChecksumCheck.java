package dev.storageinit.internal;

import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.RemoteObject;
import dev.storageinit.spi.support.Redactor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which of an object's checksums are verified ({@link Md5Policy}; a multipart ETag when its part size can be found)
 * and whether a staged download matches them.
 */
final class ChecksumCheck {
    private static final System.Logger LOG = Redactor.logger("dev.storageinit.engine");

    private final String shown;
    private final RemoteObject object;
    private final Md5Policy md5Policy;
    private final RangeDigester.Staged staged;
    /** The store's whole-object checksums that {@code STORAGE_VERIFY_MD5} says to verify. */
    private final List<Checksum> verified;

    private final MultipartEtag multipart;

    /** @param staged reads back the staged file, for what its streamed digests cannot tell */
    ChecksumCheck(String shown, RemoteObject object, Md5Policy md5Policy, RangeDigester.Staged staged) {
        this.shown = shown;
        this.object = object;
        this.md5Policy = md5Policy;
        this.staged = staged;
        List<Checksum> selected = md5Policy.select(object.checksums());
        Checksum etag = MultipartEtag.find(selected);
        this.multipart = etag == null ? null : MultipartEtag.of(etag, object.size());
        if (etag != null && multipart == null) {
            selected = md5Policy.select(MultipartEtag.wholeObject(object.checksums()));
            LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}: {1}: cannot verify its multipart ETag {2}: no part size"
                            + " of whole MiB cuts its {3} bytes into that many parts; {4}",
                    shown,
                    object.key(),
                    etag.hex(),
                    Long.toString(object.size()),
                    verifyingInstead(selected));
        }
        this.verified = MultipartEtag.wholeObject(selected);
    }

    /** The multipart ETag to verify, part by part as the units stream; null when none is. */
    MultipartEtag multipart() {
        return multipart;
    }

    /** Fresh digests, one per verified whole-object checksum, in order, for bytes streamed in file order. */
    List<Digests.Digest> newDigests() {
        return Digests.create(verified, object.size());
    }

    /**
     * Fresh digests for a file fetched in ranges, one per verified whole-object checksum, in order: a
     * {@link RangedCrc} for each CRC, computed range by range; for an MD5 or SHA-256 a digest the
     * {@link RangeDigester} feeds in file order.
     */
    List<Digests.Digest> newRangedDigests() {
        List<Digests.Digest> digests = new ArrayList<>(verified.size());
        for (Checksum c : verified) {
            Crc crc = Crc.of(c.algorithm());
            digests.add(crc == null ? Digests.create(c.algorithm(), object.size()) : new RangedCrc(crc));
        }
        return digests;
    }

    /**
     * Null when every checksum the store gave matches; otherwise what differs.
     *
     * @param digests the {@link #newDigests()} fed with the download, or a ranged file's {@link #newRangedDigests()}
     * @param digester what fed a ranged file's MD5 or SHA-256 in file order, else null
     */
    String mismatch(List<Digests.Digest> digests, RangeDigester digester) throws IOException {
        String mismatch = wholeObject(digests, digester);
        return mismatch != null || multipart == null ? mismatch : multipartMismatch();
    }

    private String wholeObject(List<Digests.Digest> digests, RangeDigester digester) throws IOException {
        if (verified.isEmpty()) {
            return null;
        }
        long checked = digester == null ? object.size() : digester.finish();
        for (Digests.Digest d : digests) {
            if (d instanceof RangedCrc ranged) {
                checked = Math.min(checked, ranged.covered());
            }
        }
        if (checked != object.size()) {
            return "only " + checked + " of " + object.size() + " bytes could be checked";
        }
        return mismatch(verified, digests);
    }

    /**
     * The multipart ETag; once the same bytes came twice without matching it (they were uploaded in parts of
     * another size), the MD5 of the whole object {@code STORAGE_VERIFY_MD5} left to it, when the store has one.
     */
    private String multipartMismatch() throws IOException {
        List<Checksum> instead = new ArrayList<>(md5Policy.select(MultipartEtag.wholeObject(object.checksums())));
        instead.removeAll(verified);
        if (!multipart.unverifiable()) {
            String mismatch = multipart.verify(this::digestStaged);
            if (mismatch != null || !multipart.unverifiable()) {
                return mismatch;
            }
            LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}: {1}: downloaded twice, the same bytes do not match its"
                            + " multipart ETag {2} with parts of {3}: they were uploaded in parts of another size and the"
                            + " ETag cannot be verified; {4}",
                    shown,
                    object.key(),
                    multipart.etag().hex(),
                    multipart.describe(),
                    verifyingInstead(instead));
        }
        if (instead.isEmpty()) {
            return null;
        }
        List<Digests.Digest> actual = Digests.create(instead, object.size());
        digestStaged(actual);
        return mismatch(instead, actual);
    }

    private void digestStaged(List<Digests.Digest> into) throws IOException {
        staged.digest(0, object.size(), into);
    }

    /** Null when each digest has its checksum's value; otherwise what differs. */
    private static String mismatch(List<Checksum> expected, List<Digests.Digest> actual) {
        for (int i = 0; i < expected.size(); i++) {
            String hex = actual.get(i).hex();
            if (!hex.equals(expected.get(i).hex())) {
                return expected.get(i).algorithm() + " mismatch: store says "
                        + expected.get(i).hex() + ", got " + hex;
            }
        }
        return null;
    }

    private static String verifyingInstead(List<Checksum> checksums) {
        return checksums.isEmpty()
                ? "only its size is verified"
                : "verifying its " + checksums.get(0).algorithm() + " instead";
    }
}
