package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PathFilterTest {
    @Test
    void fnmatchSemantics() {
        PathFilter f = new PathFilter(List.of("*.json", "weights/model-[0-9]*.bin", "tok?n.txt"), List.of("*test*"));
        assertThat(f.keeps("config.json")).isTrue();
        assertThat(f.keeps("sub/dir/config.json")).isTrue();
        assertThat(f.keeps("weights/model-1.bin")).isTrue();
        assertThat(f.keeps("weights/model-x.bin")).isFalse();
        assertThat(f.keeps("token.txt")).isTrue();
        assertThat(f.keeps("test.json")).isFalse();
        assertThat(new PathFilter(List.of(), List.of()).keepsAll()).isTrue();
        assertThat(new PathFilter(List.of("[!a]*"), List.of()).keeps("a.txt")).isFalse();
    }

    private static Arguments row(String glob, String name, boolean matches) {
        return Arguments.of(glob, name, matches);
    }

    /**
     * Every expectation is what {@code fnmatch.fnmatchcase(name, glob)} answers in CPython 3.11.7 (the same as
     * {@code fnmatch.fnmatch} on POSIX, where {@code os.path.normcase} changes nothing), run when this table was
     * written.
     */
    static Stream<Arguments> cpythonFnmatch() {
        return Stream.of(
                // * and ? match any character, '/' and newline included
                row("*.bin", "model.bin", true),
                row("*.bin", "weights/model.bin", true),
                row("*.bin", "model.bin.part", false),
                row("weights/*", "weights/a/b.bin", true),
                row("?.txt", "a.txt", true),
                row("?.txt", "ab.txt", false),
                row("?", "/", true),
                row("*", "a\nb", true),
                row("*a*b", "xaxb", true),
                row("*a*b", "xbxa", false),
                row("**", "anything", true),
                // sets and negated sets
                row("[ab]*.bin", "a1.bin", true),
                row("[ab]*.bin", "c1.bin", false),
                row("[!a]*", "a.txt", false),
                row("[!a]*", "b.txt", true),
                // '^' in a set is a literal, not a negation
                row("[^a]", "^", true),
                row("[^a]", "b", false),
                row("[^a]", "a", true),
                // an unclosed '[' is a literal: "[!]" is the three characters (its ']' is a member of an unclosed set)
                row("[!]", "[!]", true),
                row("[!]", "a", false),
                row("[!]", "!", false),
                row("x[", "x[", true),
                row("[", "[", true),
                row("a[b", "a[b", true),
                // ']' first in a set is a member
                row("[]a]", "]", true),
                row("[]a]", "a", true),
                row("[!]a]", "b", true),
                row("[!]a]", "]", false),
                // a reversed range is removed: an empty set never matches, an empty negated set matches anything
                row("[z-a]", "m", false),
                row("[z-a]", "", false),
                row("[!z-a]", "m", true),
                row("[!z-a]", "/", true),
                row("[b-a-c]", "-", true),
                row("[b-a-c]", "c", true),
                row("[b-a-c]", "b", false),
                row("[a--b]", "b", true),
                row("[a--b]", "-", false),
                // ... and what is left is read as Python's re reads it ("[b-a!]" leaves "!": any character)
                row("[b-a!]", "x", true),
                row("[b-a!-#]", "\"", true),
                row("[b-a!-#]", "-", false),
                // '-' as range, first or last member
                row("[a-c]", "b", true),
                row("[a-c]", "-", false),
                row("[a-]", "-", true),
                row("[-a]", "-", true),
                row("[!-a]", "b", true),
                row("[!-a]", "-", false),
                row("[a-c-e]", "-", true),
                row("[a-c-e]", "d", false),
                row("[a-c-e]", "e", true),
                // backslash is an ordinary character, in a set and out of it
                row("[\\-a]", "\\", true),
                row("[\\-a]", "_", true),
                row("[\\]", "\\", true),
                row("\\*", "\\x", true),
                row("\\*", "*", false),
                // Java's set operators and nested sets are plain members
                row("[a&&b]", "&", true),
                row("[a&&b]", "a", true),
                row("[a~~b]", "~", true),
                row("[a||b]", "|", true),
                row("[[]", "[", true),
                row("[a[b]", "[", true),
                // case-sensitive, as on POSIX
                row("README.MD", "README.md", false),
                row("*.JSON", "config.json", false),
                // unicode, one code point per '?' and per set member
                row("ünïcode-*.txt", "ünïcode-模型.txt", true),
                row("[模]*", "模型", true),
                row("?", "😀", true),
                row("[😀-😂]", "😁", true),
                // regex syntax is literal
                row(".*", "x", false),
                row("a+b", "a+b", true),
                row("a+b", "aab", false),
                row("(x)", "(x)", true),
                row("a{2}", "aa", false),
                row("$", "$", true),
                row("a|b", "a", false));
    }

    @ParameterizedTest(name = "fnmatch({1}, {0}) = {2}")
    @MethodSource("cpythonFnmatch")
    void matchesLikeCpythonFnmatch(String glob, String name, boolean matches) {
        assertThat(new PathFilter(List.of(glob), List.of()).keeps(name)).isEqualTo(matches);
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void interiorStarsDoNotBacktrackExponentially() {
        PathFilter f = new PathFilter(List.of("*a*a*a*a*a*a*a*a*a*a*a*a*b"), List.of());
        assertThat(f.keeps("a".repeat(5000))).isFalse();
    }

    @Test
    void patternListsAsJsonOrCommaSeparated() {
        assertThat(PathFilter.parseList("[\"*.bin\", \"*.json\"]")).containsExactly("*.bin", "*.json");
        assertThat(PathFilter.parseList(" *.bin , *.json,")).containsExactly("*.bin", "*.json");
        assertThat(PathFilter.parseList("[]")).isEmpty();
    }

    @Test
    void aValueThatIsNotJsonIsCommaSeparatedEvenWhenItStartsWithABracket() {
        assertThat(PathFilter.parseList("[ab]*.bin")).containsExactly("[ab]*.bin");
        assertThat(PathFilter.parseList("[!a]*.bin,*.json")).containsExactly("[!a]*.bin", "*.json");
        assertThat(PathFilter.parseList("[\"*.bin\"")).containsExactly("[\"*.bin\"");
    }

    @Test
    void aJsonArrayOfSomethingElseThanStringsIsRefused() {
        assertThatThrownBy(() -> PathFilter.parseList("[\"*.bin\", 3]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("element 2 of the JSON array is 3, not a string glob");
    }
}
