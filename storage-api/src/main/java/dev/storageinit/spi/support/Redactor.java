package dev.storageinit.spi.support;

import dev.storageinit.CredentialSource;
import dev.storageinit.ModelUri;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one scrubber of what leaves the library and the CLI: exception messages and their causes, log records,
 * listener events, printed lines. {@link #scrub(String)} removes
 * <ul>
 *   <li>every value registered with {@link #secret(String)}, with its parts (the secret parameters of a SAS query or
 *       a connection string, the secret members of a JSON object, the runs between characters a URL cannot hold) and their
 *       percent-encoded, form-encoded, decoded and JSON-escaped forms. {@link #recording} registers every value a
 *       {@link CredentialSource} hands out for a {@linkplain #isSecretName secret-like name}, {@link #uri} the
 *       secret query parameters and password of a source URI; providers register what they read elsewhere;</li>
 *   <li>by pattern, what no one registered: secret-like query parameters in URL-ish text ({@code sig=},
 *       {@code X-Amz-Signature=}, {@code token=}, the rule {@link ModelUri#redact} applies), URL passwords and
 *       {@code Authorization} header values.</li>
 * </ul>
 * The registry is JVM-wide and only grows (values stay known after their download ended, for records SDK threads
 * write late), bounded to {@value #BUDGET} characters with the oldest values dropped first.
 */
public final class Redactor {
    /** What a secret becomes. */
    private static final String MASK = "***";

    private static final int MIN_VALUE = 6;
    private static final int MIN_PART = 8;
    private static final long BUDGET = 4L << 20;

    private static final Pattern SECRET_PARAM =
            Pattern.compile("(?i)(sig|signature|token|secret|password|passwd|key|credential|code|auth)");
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i)(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS|SAS|SIGNATURE|CREDENTIAL|CONNECTION_STRING|AUTH)");
    /** Names that hold where a secret is (a file, a host), a switch, or nothing secret at all. */
    private static final Pattern NOT_SECRET_NAME =
            Pattern.compile("(?i).*(_FILE|_PATH|_DIR|_HOST|_ENV_AUTH)|GOOGLE_APPLICATION_CREDENTIALS");

    private static final Pattern QUERY_SECRET = Pattern.compile("(?i)(?<=[?&;])([A-Za-z0-9_.\\-]*"
            + SECRET_PARAM.pattern().substring(4) + "[A-Za-z0-9_.\\-]*)=(?!\\*\\*\\*)[^&;#\\s\"'<>]+");
    private static final Pattern USERINFO =
            Pattern.compile("(?i)\\b([a-z][a-z0-9+.\\-]*://[^/\\s:@?#]*):(?!\\*\\*\\*@)[^/\\s@?#]*@");
    private static final Pattern AUTH_HEADER = Pattern.compile("(?i)\\b((?:proxy-)?authorization|x-amz-security-token)"
            + "(\"?\\s*[:=]\\s*\"?)(?!\\*\\*\\*)[^\"\\r\\n,}\\]]+");
    /** A field name inside a field's value: {@code sv} of {@code SharedAccessSignature=sv=2021-08-06}. */
    private static final Pattern INNER_FIELD = Pattern.compile("([A-Za-z][A-Za-z0-9_-]*)=.*[^=].*", Pattern.DOTALL);
    /** Characters a URL, a header or a JSON string cannot hold as they are: where a malformed secret breaks. */
    private static final Pattern STRAY = Pattern.compile("[\\s|\"\\\\{}<>^`\\[\\]]+|%(?![0-9A-Fa-f]{2})");

    private static final Map<String, Boolean> KNOWN = new LinkedHashMap<>();
    private static long knownChars;
    /** The registered strings, longest first, so that a value is masked before any part of it. */
    private static volatile String[] known = {};

    private Redactor() {}

    /** Whether a query parameter (or connection-string field) of this name holds a secret: {@code sig}, {@code X-Amz-Signature}, ... */
    public static boolean isSecretParameter(String name) {
        return SECRET_PARAM.matcher(name).find();
    }

    /**
     * Whether a setting of this name holds a secret: its name has KEY, SECRET, TOKEN, PASS(WORD), SAS, SIGNATURE,
     * CREDENTIAL, CONNECTION_STRING or AUTH and does not name a file, path or host; or it is KServe's
     * {@code <host>-headers}.
     */
    public static boolean isSecretName(String name) {
        if (name.regionMatches(true, name.length() - "-headers".length(), "-headers", 0, "-headers".length())) {
            return true;
        }
        return SECRET_NAME.matcher(name).find()
                && !NOT_SECRET_NAME.matcher(name).matches();
    }

    /** {@code settings}, registering each value it hands out for a secret-like name before returning it. */
    public static CredentialSource recording(CredentialSource settings) {
        return settings instanceof RecordingCredentials ? settings : new RecordingCredentials(settings);
    }

    /** Registers the secret query parameters and the userinfo password of a source URI. */
    public static void uri(ModelUri uri) {
        for (String p : uri.query().split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0 && isSecretParameter(p.substring(0, eq))) {
                secret(p.substring(eq + 1));
            }
        }
        int at = uri.authority().lastIndexOf('@');
        int colon = uri.authority().indexOf(':');
        if (at > 0 && colon >= 0 && colon < at) {
            secret(uri.authority().substring(colon + 1, at));
        }
    }

    /**
     * Registers a secret value: from now on no scrubbed text holds it, a part of it, or an encoded form. Of a JSON
     * object, the members with secret-like names ({@code private_key}, {@code client_secret}) are parts.
     */
    public static void secret(String value) {
        register(value, false);
    }

    /** Registers KServe's {@code <host>-headers} JSON: every header value in it is a secret. */
    public static void secretHeaders(String json) {
        register(json, true);
    }

    private static void register(String value, boolean everyMember) {
        if (value == null || value.strip().length() < MIN_VALUE) {
            return;
        }
        Set<String> found = new LinkedHashSet<>();
        collect(value, MIN_VALUE, found, 0, everyMember);
        Set<String> forms = new LinkedHashSet<>();
        for (String s : found) {
            forms.add(s);
            forms.add(encodeStray(s));
            forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
            forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
            forms.add(decode(s));
            forms.add(s.replace("\\", "\\\\")
                    .replace("\"", "\\\"")
                    .replace("\n", "\\n")
                    .replace("\r", "\\r"));
        }
        synchronized (KNOWN) {
            boolean changed = false;
            for (String f : forms) {
                if (f.length() < MIN_VALUE) {
                    continue;
                }
                if (KNOWN.remove(f) == null) {
                    knownChars += f.length();
                    changed = true;
                }
                KNOWN.put(f, Boolean.TRUE);
            }
            for (Iterator<String> it = KNOWN.keySet().iterator(); knownChars > BUDGET && it.hasNext(); ) {
                knownChars -= it.next().length();
                it.remove();
                changed = true;
            }
            if (changed) {
                String[] all = KNOWN.keySet().toArray(new String[0]);
                Arrays.sort(all, (a, b) -> Integer.compare(b.length(), a.length())); // longest first
                known = all;
            }
        }
    }

    private static void collect(String value, int min, Set<String> out, int depth, boolean everyMember) {
        String v = value.strip();
        if (v.length() < min || depth > 4 || !out.add(v)) {
            return;
        }
        if (!value.equals(v) && value.length() >= min) {
            out.add(value);
        }
        if (v.startsWith("{")) {
            try {
                if (Json.parse(v) instanceof Map<?, ?> object) {
                    for (Map.Entry<?, ?> member : object.entrySet()) {
                        if (member.getValue() instanceof String s
                                && (everyMember || isSecretParameter(String.valueOf(member.getKey())))) {
                            collect(s, MIN_PART, out, depth + 1, false);
                        }
                    }
                    return;
                }
            } catch (IllegalArgumentException e) {
                // not JSON after all: split it like any text below
            }
        }
        // a query or a connection string: its secret parameters are the secret, the rest ("sv=2021-08-06") is not
        int q = v.indexOf('?');
        boolean fields = false;
        for (String part : (q < 0 ? v : v.substring(q + 1)).split("[&;]")) {
            int eq = part.indexOf('=');
            if (eq > 0 && isSecretParameter(part.substring(0, eq).strip())) {
                fields = true;
                String field = part.substring(eq + 1);
                Matcher inner = INNER_FIELD.matcher(field);
                if (!inner.matches() || isSecretParameter(inner.group(1))) {
                    collect(field, MIN_VALUE, out, depth + 1, false);
                }
            }
        }
        if (fields) {
            return;
        }
        for (String piece : STRAY.split(v)) {
            if (piece.length() >= MIN_PART && piece.length() < v.length()) {
                collect(piece, MIN_PART, out, depth + 1, false);
            }
        }
    }

    /** {@code text} with every registered secret and every secret-looking URL part replaced by {@value #MASK}. */
    public static String scrub(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : known) {
            if (out.contains(secret)) {
                out = out.replace(secret, MASK);
            }
        }
        if (out.indexOf('=') >= 0) {
            out = QUERY_SECRET.matcher(out).replaceAll("$1=" + MASK);
        }
        if (out.indexOf('@') >= 0) {
            out = USERINFO.matcher(out).replaceAll("$1:" + Matcher.quoteReplacement(MASK) + "@");
        }
        Matcher auth = AUTH_HEADER.matcher(out);
        if (auth.find()) {
            out = auth.replaceAll("$1$2" + Matcher.quoteReplacement(MASK));
        }
        return out;
    }

    /**
     * {@code error} made safe to keep as a cause: itself when it is a {@link dev.storageinit.StorageException}
     * (which scrubs itself) or already scrubbed, else a {@link ScrubbedCause} copy of it and of its causes.
     */
    public static Throwable shield(Throwable error) {
        return ScrubbedCause.of(error);
    }

    /** A {@link System.Logger} that scrubs each message, parameters and thrown error before {@code name}'s logger sees them. */
    public static System.Logger logger(String name) {
        return new ScrubbingLogger(System.getLogger(name));
    }

    /** Percent-encodes what a URL cannot hold as it is (the way lenient clients and browsers send it). */
    private static String encodeStray(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            boolean escape = c <= 0x20
                    || c >= 0x7f
                    || "\"<>\\^`{|}".indexOf(c) >= 0
                    || (c == '%' && !(i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0));
            if (escape) {
                sb.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** Decodes {@code %XX} escapes as UTF-8, leaving a '%' without two hex digits as it is. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '%' && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
                out.write(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
                i += 2;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(byte b) {
        return Character.digit(b, 16);
    }
}
