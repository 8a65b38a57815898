package dev.storageinit.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Allow/ignore globs on relative paths, with Python {@code fnmatch} semantics as the KServe initializer uses:
 * {@code *} matches any run of characters including '/', {@code ?} one character, {@code [abc]} / {@code [!abc]}
 * a set. A path is kept when it matches an allow glob (or there are none) and matches no ignore glob.
 */
public final class PathFilter {
    private final List<Pattern> allow;
    private final List<Pattern> ignore;

    public PathFilter(List<String> allowGlobs, List<String> ignoreGlobs) {
        this.allow = compile(allowGlobs);
        this.ignore = compile(ignoreGlobs);
    }

    /** True when the filter keeps every path. */
    public boolean keepsAll() {
        return allow.isEmpty() && ignore.isEmpty();
    }

    /** Whether {@code relativePath} ('/'-separated) is downloaded. */
    public boolean keeps(String relativePath) {
        if (!allow.isEmpty() && allow.stream().noneMatch(p -> p.matcher(relativePath).matches())) {
            return false;
        }
        return ignore.stream().noneMatch(p -> p.matcher(relativePath).matches());
    }

    /**
     * Reads a pattern list as the environment variables carry it: a JSON array ({@code ["*.bin","*.json"]}) or
     * comma-separated globs.
     */
    public static List<String> parseList(String value) {
        String v = value.trim();
        List<String> out = new ArrayList<>();
        if (v.startsWith("[")) {
            for (Object o : (List<?>) Json.parse(v)) {
                out.add(String.valueOf(o).trim());
            }
        } else {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        out.removeIf(String::isEmpty);
        return out;
    }

    private static List<Pattern> compile(List<String> globs) {
        List<Pattern> out = new ArrayList<>();
        for (String g : globs) {
            out.add(Pattern.compile(toRegex(g), Pattern.DOTALL));
        }
        return out;
    }

    static String toRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int k = 0; k < glob.length(); k++) {
            char c = glob.charAt(k);
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '[') {
                int end = glob.indexOf(']', k + 2);
                if (end < 0) {
                    re.append("\\[");
                    continue;
                }
                String set = glob.substring(k + 1, end);
                boolean negate = set.startsWith("!");
                if (negate) {
                    set = set.substring(1);
                }
                re.append('[').append(negate ? "^" : "").append(set.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                k = end;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
