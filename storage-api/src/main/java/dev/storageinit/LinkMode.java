package dev.storageinit;

/**
 * How files from a local source (a volume, a local path) reach the destination. Remote sources always copy.
 *
 * <table>
 *   <caption>Trade-offs</caption>
 *   <tr><th>mode</th><th>cost</th><th>caveat</th></tr>
 *   <tr><td>COPY</td><td>reads and writes every byte</td><td>none: the destination is independent</td></tr>
 *   <tr><td>HARD_LINK</td><td>no bytes copied</td><td>same file system only; the server sees later in-place
 *   edits of the source</td></tr>
 *   <tr><td>SYMLINK</td><td>no bytes copied, works across file systems</td><td>the source must stay mounted
 *   (read-only) while the server runs</td></tr>
 * </table>
 */
public enum LinkMode {
    /** Copy the bytes (the default). */
    COPY,
    /** Hard-link each file; falls back to copying where the file system cannot link. */
    HARD_LINK,
    /** Symlink each file to its source. */
    SYMLINK
}
