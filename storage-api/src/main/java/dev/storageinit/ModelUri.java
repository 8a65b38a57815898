package dev.storageinit;

import dev.storageinit.spi.support.Redactor;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A source URI, parsed by hand so that object keys keep every character they may legally hold ({@code #},
 * {@code %}, spaces, unicode): {@code scheme://authority/path}. Plain local paths ({@code /mnt/models},
 * {@code ./model}) become {@code file} URIs; rclone's {@code remote:bucket/path} (Seldon's form) is read as
 * {@code remote://bucket/path}. For {@code http} and {@code https} the query is split off the path
 * and a fragment is dropped; for every other scheme everything after the authority is the path, as written.
 *
 * <p>{@link #toString()} is {@link #redacted()}: query secrets (SAS signatures, tokens) and passwords never print.
 *
 * @param text the URI exactly as given
 * @param scheme lower-case scheme, {@code file} for local paths
 * @param authority bucket, container host, claim name or host; empty for {@code file}
 * @param path what follows {@code authority/}, without the leading slash; for {@code file} the absolute path
 *     without its leading slash; may be empty
 * @param query the raw query of an {@code http(s)} URI, or empty
 */
public record ModelUri(String text, String scheme, String authority, String path, String query) {
    private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://(.*)", Pattern.DOTALL);
    /** rclone's {@code remote:bucket/path}; a one-letter "remote" would be a Windows drive, so two or more. */
    private static final Pattern RCLONE_REMOTE = Pattern.compile("([A-Za-z][A-Za-z0-9_-]+):(?!//)(.+)", Pattern.DOTALL);

    private static final String FORMS = "expected <scheme>://<bucket>/<path> (s3, gs, pvc, ...), "
            + "https://<host>/<path>, file:///<absolute path> or a local path";

    /** Validates the parts; use {@link #parse(String)} to build one from text. */
    public ModelUri {
        if (text == null || scheme == null || authority == null || path == null || query == null) {
            throw new IllegalArgumentException("ModelUri parts must not be null");
        }
    }

    /**
     * Parses a source URI or a local path.
     *
     * @throws InvalidUriException naming the accepted forms when the text is none of them
     */
    public static ModelUri parse(String text) throws InvalidUriException {
        if (text == null || text.isBlank()) {
            throw new InvalidUriException("", "empty source URI; " + FORMS);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidUriException(redact(text), "control character in URI; " + FORMS);
            }
        }
        Matcher m = SCHEME.matcher(text);
        Matcher remote = RCLONE_REMOTE.matcher(text);
        String scheme;
        String rest;
        if (m.matches()) {
            scheme = m.group(1).toLowerCase(Locale.ROOT);
            rest = m.group(2);
        } else if (remote.matches()) {
            // Seldon's rclone initializer form, remote:bucket/path, read as remote://bucket/path
            scheme = remote.group(1).toLowerCase(Locale.ROOT);
            rest = stripLeadingSlashes(remote.group(2));
            if (scheme.equals("file") || scheme.equals("http") || scheme.equals("https")) {
                throw new InvalidUriException(redact(text), "missing '//' after the scheme; " + FORMS);
            }
        } else {
            return new ModelUri(
                    text, "file", "", stripLeadingSlashes(text.startsWith("/") ? text : absolute(text)), "");
        }
        if (scheme.equals("file")) {
            if (!rest.startsWith("/")) {
                if (rest.startsWith("localhost/")) {
                    rest = rest.substring("localhost".length());
                } else {
                    throw new InvalidUriException(redact(text), "file URIs name a local absolute path: file:///<path>");
                }
            }
            return new ModelUri(text, scheme, "", stripLeadingSlashes(rest), "");
        }
        String query = "";
        if (scheme.equals("http") || scheme.equals("https")) {
            int hash = rest.indexOf('#');
            if (hash >= 0) {
                rest = rest.substring(0, hash);
            }
            int q = rest.indexOf('?');
            if (q >= 0) {
                query = rest.substring(q + 1);
                rest = rest.substring(0, q);
            }
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (authority.isEmpty()) {
            throw new InvalidUriException(redact(text), "missing bucket or host after '" + scheme + "://'; " + FORMS);
        }
        return new ModelUri(text, scheme, authority, path, query);
    }

    private static String absolute(String relative) {
        return java.nio.file.Path.of(relative).toAbsolutePath().normalize().toString();
    }

    private static String stripLeadingSlashes(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '/') {
            i++;
        }
        return s.substring(i);
    }

    /** The last non-empty segment of the path, or the authority when the path is empty. */
    public String basename() {
        String p = path;
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        int slash = p.lastIndexOf('/');
        String name = slash < 0 ? p : p.substring(slash + 1);
        return name.isEmpty() ? authority : name;
    }

    /** The URI text with userinfo passwords and secret-looking query values replaced by {@code ***}. */
    public String redacted() {
        return redact(text);
    }

    /** Redacts any URI-like text the same way as {@link #redacted()}; safe to call on unparseable input. */
    public static String redact(String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        Matcher m = SCHEME.matcher(out);
        if (m.matches()) {
            String rest = m.group(2);
            int slash = rest.indexOf('/');
            String authority = slash < 0 ? rest : rest.substring(0, slash);
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                String userInfo = authority.substring(0, at);
                int colon = userInfo.indexOf(':');
                String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
                out = m.group(1) + "://" + user + ":***@" + rest.substring(at + 1);
            }
        }
        int q = out.indexOf('?');
        if (q < 0) {
            return out;
        }
        StringBuilder sb = new StringBuilder(out.substring(0, q + 1));
        String[] params = out.substring(q + 1).split("&", -1);
        for (int i = 0; i < params.length; i++) {
            String p = params[i];
            int eq = p.indexOf('=');
            String name = eq < 0 ? p : p.substring(0, eq);
            if (i > 0) {
                sb.append('&');
            }
            if (eq >= 0 && Redactor.isSecretParameter(name)) {
                sb.append(name).append("=***");
            } else {
                sb.append(p);
            }
        }
        return sb.toString();
    }

    /** Returns {@link #redacted()}: a ModelUri never prints a secret. */
    @Override
    public String toString() {
        return redacted();
    }
}
