package dev.storageinit.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void roundTrip() {
        Object v = Json.parse("{\"a\": [1, 2.5, true, null, \"x\\\"\\u00e9\\n\"], \"b\": {}}");
        assertThat(v).isEqualTo(Map.of("a", java.util.Arrays.asList(1L, 2.5, true, null, "x\"é\n"), "b", Map.of()));
        assertThat(Json.parse(Json.write(v))).isEqualTo(v);
        assertThat(Json.write(List.of("\u0001"))).isEqualTo("[\"\\u0001\"]");
    }

    @Test
    void malformedInputIsAClearError() {
        assertThatThrownBy(() -> Json.parse("{\"a\": }")).hasMessageContaining("malformed JSON at offset");
        assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("trailing");
    }
}
