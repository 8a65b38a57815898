package dev.storageinit.spi.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The header values the JDK-HttpClient sources parse. */
class HttpTextTest {
    private static HttpHeaders headers(Map<String, List<String>> values) {
        return HttpHeaders.of(values, (k, v) -> true);
    }

    @Test
    void retryAfterInSecondsAsADateOrFromAnExhaustedRateLimit() {
        assertThat(HttpText.retryAfter(headers(Map.of("Retry-After", List.of("3")))))
                .contains(Duration.ofSeconds(3));
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
        assertThat(HttpText.retryAfter(headers(Map.of("Retry-After", List.of(inAMinute)))))
                .hasValueSatisfying(d -> assertThat(d).isBetween(Duration.ofSeconds(55), Duration.ofSeconds(60)));
        // the Hub's IETF draft headers: policy "api", 0 requests remaining, reset in 55 s
        assertThat(HttpText.retryAfter(headers(Map.of(
                        "RateLimit", List.of("\"api\";r=0;t=55"),
                        "RateLimit-Policy", List.of("\"fixed window\";\"api\";q=500;w=300")))))
                .contains(Duration.ofSeconds(55));
        assertThat(HttpText.retryAfter(headers(Map.of("RateLimit", List.of("limit=100, remaining=0, reset=9")))))
                .contains(Duration.ofSeconds(9));
        assertThat(HttpText.retryAfter(headers(Map.of("RateLimit", List.of("\"api\";r=12;t=55")))))
                .as("requests remain: no wait")
                .isEmpty();
        assertThat(HttpText.retryAfter(headers(Map.of("Retry-After", List.of("soon")))))
                .isEmpty();
    }

    @Test
    void linkNextFindsTheNextPageAmongOtherRelations() {
        String next = "https://huggingface.co/api/models/o/m/tree/abc?recursive=true&cursor=ZXlKbWFXeGw";
        assertThat(HttpText.linkNext(headers(Map.of("Link", List.of("<" + next + ">; rel=\"next\"")))))
                .contains(next);
        assertThat(HttpText.linkNext(headers(
                        Map.of("Link", List.of("<https://x/1>; rel=\"prev\", <https://x/3>; rel=\"last next\"")))))
                .contains("https://x/3");
        assertThat(HttpText.linkNext(headers(Map.of("Link", List.of("<https://x/1>; rel=prev")))))
                .isEmpty();
        assertThat(HttpText.linkNext(headers(Map.of()))).isEmpty();
    }

    @Test
    void encodePathKeepsSlashesAndEncodesEverythingElseThatIsReserved() {
        assertThat(HttpText.encodePath("dir with space/inner#%.txt")).isEqualTo("dir%20with%20space/inner%23%25.txt");
        assertThat(HttpText.encodePath("unicodé+日.txt")).isEqualTo("unicod%C3%A9%2B%E6%97%A5.txt");
        assertThat(HttpText.encodePath("a-b_c.d~e/f")).isEqualTo("a-b_c.d~e/f");
    }
}
