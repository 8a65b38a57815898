package dev.storageinit.spi.http;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** URL origins and the header values the JDK-HttpClient sources parse. */
public final class HttpText {
    private static final Pattern RATE_REMAINING = Pattern.compile("(?:^|[;,\\s])(?:r|remaining)=(\\d+)");
    private static final Pattern RATE_RESET = Pattern.compile("(?:^|[;,\\s])(?:t|reset)=(\\d+)");
    private static final Pattern LINK = Pattern.compile("<([^>]*)>([^,<]*)");
    private static final Pattern REL_NEXT = Pattern.compile("(?i);\\s*rel\\s*=\\s*\"?([^\";]*)\"?");

    private HttpText() {}

    /** {@code scheme://host:port}, lower case, with the scheme's default port made explicit. */
    public static String origin(URI u) {
        return u.getScheme().toLowerCase(Locale.ROOT) + "://" + hostKey(u.getHost()) + ":" + port(u);
    }

    /** A host name in lower case, an IPv6 literal without its brackets. */
    public static String hostKey(String rawHost) {
        String host = rawHost.toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** {@code host[:port]} as written in {@code u}, for messages. */
    public static String host(URI u) {
        return u.getPort() >= 0 ? u.getHost() + ":" + u.getPort() : u.getHost();
    }

    /** Content-Length, when present and valid. */
    public static OptionalLong contentLength(HttpHeaders h) {
        Optional<String> v = h.firstValue("Content-Length");
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long n = Long.parseLong(v.get().trim());
            return n >= 0 ? OptionalLong.of(n) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** {first, last, total} of "bytes a-b/total" (total -1 when "*"), {-1, -1, total} for "bytes star/total". */
    public static long[] contentRange(HttpHeaders h) {
        return contentRange(h.firstValue("Content-Range").orElse(null));
    }

    /** {@link #contentRange(HttpHeaders)} of a Content-Range value; null for null or a value it cannot read. */
    public static long[] contentRange(String value) {
        String v = value;
        if (v == null) {
            return null;
        }
        v = v.trim();
        if (!v.regionMatches(true, 0, "bytes ", 0, 6)) {
            return null;
        }
        v = v.substring(6).trim();
        int slash = v.indexOf('/');
        if (slash < 0) {
            return null;
        }
        try {
            String span = v.substring(0, slash).trim();
            String totalText = v.substring(slash + 1).trim();
            long total = totalText.equals("*") ? -1 : Long.parseLong(totalText);
            if (span.equals("*")) {
                return new long[] {-1, -1, total};
            }
            int dash = span.indexOf('-');
            return new long[] {Long.parseLong(span.substring(0, dash)), Long.parseLong(span.substring(dash + 1)), total
            };
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Percent-encodes what may not appear raw in a URL (spaces, non-ASCII, ...) and keeps what may, including
     * existing {@code %XX} escapes: a URL is sent as written where it is already valid.
     */
    public static String encodeLeniently(String s, boolean query) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            boolean keep = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0
                    || (query && c == '?');
            if (c == '%' && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
                keep = true;
            }
            if (keep) {
                sb.append((char) c);
            } else {
                escape(sb, c);
            }
        }
        return sb.toString();
    }

    private static void escape(StringBuilder sb, int c) {
        sb.append('%')
                .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
    }

    /**
     * Percent-encodes {@code s} as URL path segments: everything but RFC 3986's unreserved characters and {@code /}
     * (a literal {@code %} too), as Python's {@code urllib.parse.quote} does.
     */
    public static String encodePath(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~/".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                escape(sb, c);
            }
        }
        return sb.toString();
    }

    /**
     * Decodes the {@code %XX} escapes of a URL path as UTF-8, leniently: {@code +} stays {@code +}, and a {@code %}
     * not followed by two hex digits stays as it is.
     */
    public static String decodePath(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '%' && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
                out.write(Character.digit(bytes[i + 1], 16) * 16 + Character.digit(bytes[i + 2], 16));
                i += 2;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * How long a throttling or unavailable server asks to wait: {@code Retry-After} in seconds or as an HTTP date,
     * else the reset time of an exhausted IETF {@code RateLimit} header ({@code "api";r=0;t=55}, or the older
     * {@code remaining=0, reset=55}). Empty when the answer says neither.
     */
    public static Optional<Duration> retryAfter(HttpHeaders h) {
        Optional<String> after = h.firstValue("Retry-After").map(String::trim);
        if (after.isPresent()) {
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(after.get()))));
            } catch (NumberFormatException e) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(after.get(), DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                    return Optional.of(d.isNegative() ? Duration.ZERO : d);
                } catch (DateTimeParseException ignored) {
                    // neither form: look at RateLimit
                }
            }
        }
        for (String value : h.allValues("RateLimit")) {
            Matcher remaining = RATE_REMAINING.matcher(value);
            Matcher reset = RATE_RESET.matcher(value);
            if (remaining.find() && Long.parseLong(remaining.group(1)) == 0 && reset.find()) {
                return Optional.of(Duration.ofSeconds(Long.parseLong(reset.group(1))));
            }
        }
        return Optional.empty();
    }

    /**
     * The target of the RFC 8288 {@code Link} header's {@code rel="next"} (the next page of a paginated API, as
     * GitHub and the Hugging Face Hub send it), as written; empty when there is none.
     */
    public static Optional<String> linkNext(HttpHeaders h) {
        for (String value : h.allValues("Link")) {
            Matcher m = LINK.matcher(value);
            while (m.find()) {
                Matcher rel = REL_NEXT.matcher(m.group(2));
                while (rel.find()) {
                    for (String r : rel.group(1).trim().split("\\s+")) {
                        if (r.equalsIgnoreCase("next")) {
                            return Optional.of(m.group(1).trim());
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }

    static URI parseLenient(String location) throws URISyntaxException {
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            int hash = location.indexOf('#');
            return new URI(encodeLeniently(hash < 0 ? location : location.substring(0, hash), true));
        }
    }

    private static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }
}
