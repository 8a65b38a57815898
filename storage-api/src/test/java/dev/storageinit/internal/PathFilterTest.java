package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

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

    @Test
    void patternListsAsJsonOrCommaSeparated() {
        assertThat(PathFilter.parseList("[\"*.bin\", \"*.json\"]")).containsExactly("*.bin", "*.json");
        assertThat(PathFilter.parseList(" *.bin , *.json,")).containsExactly("*.bin", "*.json");
    }
}
