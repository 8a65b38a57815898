package dev.storageinit.internal;

import dev.storageinit.spi.support.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Allow/ignore globs on relative paths, with the semantics of Python's {@code fnmatch.fnmatch} on POSIX (case
 * sensitive), which the KServe initializer uses: {@code *} matches any run of characters including '/', {@code ?}
 * one character, {@code [abc]} / {@code [a-z]} / {@code [!abc]} a set. As in CPython's {@code fnmatch.translate}:
 * a {@code ]} right after {@code [} or {@code [!} belongs to the set, a {@code [} without a closing {@code ]} is a
 * literal {@code [}, a backslash is an ordinary character, {@code ^} in a set is literal, a reversed range such as
 * {@code z-a} is dropped, and a set left empty by that matches nothing (a negated one: any character). A path is
 * kept when it matches an allow glob (or there are none) and matches no ignore glob.
 */
public final class PathFilter {
    /** Stands for a run of {@code *} among the translated pieces. */
    private static final String STAR = "*";
    /** An unescaped '-' among the members of a set as CPython writes it: a range operator. */
    private static final int RANGE = -1;

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
        if (!allow.isEmpty()
                && allow.stream().noneMatch(p -> p.matcher(relativePath).matches())) {
            return false;
        }
        return ignore.stream().noneMatch(p -> p.matcher(relativePath).matches());
    }

    /**
     * Reads a pattern list as the environment variables carry it: a JSON array of strings
     * ({@code ["*.bin","*.json"]}), or, when the value is not a JSON array, comma-separated globs
     * ({@code *.bin,*.json}; {@code [ab]*.bin} is one glob).
     *
     * @throws IllegalArgumentException when the value is a JSON array holding something other than strings
     */
    public static List<String> parseList(String value) {
        String v = value.trim();
        List<String> out = new ArrayList<>();
        List<?> array = jsonArray(v);
        if (array != null) {
            for (int i = 0; i < array.size(); i++) {
                Object o = array.get(i);
                if (!(o instanceof String)) {
                    throw new IllegalArgumentException("element " + (i + 1) + " of the JSON array is "
                            + (o == null ? "null" : Json.write(o)) + ", not a string glob");
                }
                out.add(((String) o).trim());
            }
        } else {
            for (String part : v.split(",")) {
                out.add(part.trim());
            }
        }
        out.removeIf(String::isEmpty);
        return out;
    }

    private static List<?> jsonArray(String v) {
        if (!v.startsWith("[")) {
            return null;
        }
        try {
            Object parsed = Json.parse(v);
            return parsed instanceof List ? (List<?>) parsed : null;
        } catch (IllegalArgumentException notJson) {
            return null;
        }
    }

    private static List<Pattern> compile(List<String> globs) {
        List<Pattern> out = new ArrayList<>();
        for (String g : globs) {
            out.add(Pattern.compile(toRegex(g), Pattern.DOTALL));
        }
        return out;
    }

    /**
     * A Java regex matching what CPython's {@code fnmatch.translate(glob)} matches (used with
     * {@link java.util.regex.Matcher#matches()} and {@link Pattern#DOTALL}). Sets are written as {@code \x{...}}
     * code points, so no glob can reach Java's set operators ({@code &&}, nested {@code [...]}).
     */
    static String toRegex(String glob) {
        int[] pat = glob.codePoints().toArray();
        int n = pat.length;
        List<String> pieces = new ArrayList<>();
        int i = 0;
        while (i < n) {
            int c = pat[i++];
            if (c == '*') {
                if (pieces.isEmpty() || !STAR.equals(pieces.get(pieces.size() - 1))) {
                    pieces.add(STAR);
                }
            } else if (c == '?') {
                pieces.add(".");
            } else if (c == '[') {
                int j = i;
                if (j < n && pat[j] == '!') {
                    j++;
                }
                if (j < n && pat[j] == ']') {
                    j++;
                }
                while (j < n && pat[j] != ']') {
                    j++;
                }
                if (j >= n) {
                    pieces.add(literal('['));
                } else {
                    pieces.add(set(pat, i, j));
                    i = j + 1;
                }
            } else {
                pieces.add(literal(c));
            }
        }
        return joinStars(pieces);
    }

    /**
     * The set {@code pat[from, to)} (the text between {@code [} and {@code ]}). First the members exactly as
     * CPython's {@code fnmatch._translate} writes them into the Python regex (split into chunks at the hyphens
     * that make ranges, reversed ranges dropped), then read the way Python's {@code re} reads that set, written
     * as Java code points.
     */
    private static String set(int[] pat, int from, int to) {
        List<Integer> stuff = new ArrayList<>();
        if (indexOf(pat, '-', from, to) < 0) {
            for (int k = from; k < to; k++) {
                stuff.add(pat[k]);
            }
        } else {
            List<List<Integer>> chunks = new ArrayList<>();
            int i = from;
            int k = pat[from] == '!' ? from + 2 : from + 1;
            while ((k = indexOf(pat, '-', k, to)) >= 0) {
                chunks.add(slice(pat, i, k));
                i = k + 1;
                k = k + 3;
            }
            if (i < to) {
                chunks.add(slice(pat, i, to));
            } else {
                chunks.get(chunks.size() - 1).add((int) '-');
            }
            for (int c = chunks.size() - 1; c > 0; c--) {
                List<Integer> left = chunks.get(c - 1);
                List<Integer> right = chunks.get(c);
                if (left.get(left.size() - 1) > right.get(0)) {
                    left.remove(left.size() - 1);
                    left.addAll(right.subList(1, right.size()));
                    chunks.remove(c);
                }
            }
            for (int c = 0; c < chunks.size(); c++) {
                if (c > 0) {
                    stuff.add(RANGE);
                }
                stuff.addAll(chunks.get(c));
            }
        }
        if (stuff.isEmpty()) {
            return "(?!)";
        }
        boolean negate = stuff.get(0) == '!';
        if (negate && stuff.size() == 1) {
            return ".";
        }
        StringBuilder members = new StringBuilder(negate ? "[^" : "[");
        for (int m = negate ? 1 : 0; m < stuff.size(); m++) {
            int lo = stuff.get(m) == RANGE ? '-' : stuff.get(m);
            members.append(codePoint(lo));
            if (m + 2 < stuff.size() && stuff.get(m + 1) == RANGE) {
                int hi = stuff.get(m + 2) == RANGE ? '-' : stuff.get(m + 2);
                members.append('-').append(codePoint(hi));
                m += 2;
            }
        }
        return members.append(']').toString();
    }

    private static List<Integer> slice(int[] pat, int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int k = from; k < to; k++) {
            out.add(pat[k]);
        }
        return out;
    }

    private static int indexOf(int[] pat, int c, int from, int to) {
        for (int k = from; k < to; k++) {
            if (pat[k] == c) {
                return k;
            }
        }
        return -1;
    }

    private static String codePoint(int c) {
        return "\\x{" + Integer.toHexString(c) + "}";
    }

    private static String literal(int c) {
        return Pattern.quote(new String(Character.toChars(c)));
    }

    /**
     * Joins the pieces as CPython does: fixed text before the first star as it is; each interior
     * {@code * fixed} as an atomic shortest match ({@code (?>.*?fixed)}, no backtracking into it, so no glob costs
     * exponential time); the last {@code * fixed} as {@code .*fixed}.
     */
    private static String joinStars(List<String> pieces) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        int n = pieces.size();
        while (i < n && !STAR.equals(pieces.get(i))) {
            re.append(pieces.get(i++));
        }
        while (i < n) {
            i++;
            StringBuilder fixed = new StringBuilder();
            while (i < n && !STAR.equals(pieces.get(i))) {
                fixed.append(pieces.get(i++));
            }
            if (i == n) {
                re.append(".*").append(fixed);
            } else {
                re.append("(?>.*?").append(fixed).append(')');
            }
        }
        return re.toString();
    }
}
