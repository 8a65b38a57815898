package dev.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/** {@link GetSigner} against AWS's published example and against the SDK's own SigV4 signer. */
class GetSignerTest {
    private static final AwsCredentials EXAMPLE =
            AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    @Test
    void theGetObjectExampleOfTheS3Documentation() {
        // "Signature Calculations for the Authorization Header", example GET Object: /test.txt, Range bytes=0-9
        GetSigner.Signed s = new GetSigner("us-east-1", "s3")
                .sign(
                        EXAMPLE,
                        Instant.parse("2013-05-24T00:00:00Z"),
                        "examplebucket.s3.amazonaws.com",
                        "/test.txt",
                        "bytes=0-9",
                        null);
        assertThat(s.amzDate()).isEqualTo("20130524T000000Z");
        assertThat(s.authorization())
                .isEqualTo("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
        assertThat(s.securityToken()).isNull();
    }

    /** What the SDK's signer puts in the Authorization header for the same GET. */
    private static String sdkAuthorization(
            AwsCredentials credentials,
            Instant now,
            String region,
            String protocol,
            String host,
            int port,
            String path,
            String range,
            String ifMatch) {
        SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.GET)
                .protocol(protocol)
                .host(host)
                .port(port)
                .encodedPath(path)
                .putHeader("Range", range)
                .putHeader("x-amz-content-sha256", GetSigner.EMPTY_SHA256);
        if (ifMatch != null) {
            b.putHeader("If-Match", ifMatch);
        }
        SdkHttpFullRequest request = b.build();
        SdkHttpRequest signed = AwsV4HttpSigner.create()
                .sign(s -> s.identity(credentials)
                        .request(request)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC)))
                .request();
        return signed.firstMatchingHeader("Authorization").orElseThrow();
    }

    @Test
    void signsAsTheSdkSignsWhateverTheKeyPortTokenAndPin() {
        AwsCredentials session = AwsSessionCredentials.create("ASIAEXAMPLE", "secret/with+chars", "token/==+x");
        Instant now = Instant.parse("2026-11-30T23:59:59Z");
        record Case(AwsCredentials c, String protocol, String host, int port, String key, String ifMatch) {}
        List<Case> cases = List.of(
                new Case(EXAMPLE, "http", "127.0.0.1", 9000, "models/llama/config.json", null),
                new Case(EXAMPLE, "https", "models.s3.eu-west-3.amazonaws.com", 443, "a b/ü#%?+=&.bin", "\"abc-2\""),
                new Case(session, "https", "s3.amazonaws.com", 8443, "bucket/x y/~z", "\"0123\""),
                new Case(session, "http", "minio", 80, "weird//double/slash", null));
        for (Case c : cases) {
            String path = "/" + SdkHttpUtils.urlEncodeIgnoreSlashes(c.key());
            String hostHeader =
                    SdkHttpUtils.isUsingStandardPort(c.protocol(), c.port()) ? c.host() : c.host() + ":" + c.port();
            GetSigner.Signed ours =
                    new GetSigner("eu-west-3", "s3").sign(c.c(), now, hostHeader, path, "bytes=5-1048580", c.ifMatch());
            assertThat(ours.authorization())
                    .as(c.toString())
                    .isEqualTo(sdkAuthorization(
                            c.c(),
                            now,
                            "eu-west-3",
                            c.protocol(),
                            c.host(),
                            c.port(),
                            path,
                            "bytes=5-1048580",
                            c.ifMatch()));
            assertThat(ours.amzDate()).isEqualTo("20261130T235959Z");
        }
        assertThat(new GetSigner("eu-west-3", "s3")
                        .sign(session, now, "h", "/k", "bytes=0-0", null)
                        .securityToken())
                .isEqualTo("token/==+x");
    }

    @Test
    void theSigningKeyFollowsTheDayAndTheSecret() {
        GetSigner signer = new GetSigner("us-east-1", "s3");
        Instant day = Instant.parse("2013-05-24T00:00:00Z");
        String first = signer.sign(EXAMPLE, day, "h", "/k", "bytes=0-0", null).authorization();
        String nextDay = signer.sign(EXAMPLE, day.plusSeconds(86_400), "h", "/k", "bytes=0-0", null)
                .authorization();
        String rotated = signer.sign(
                        AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "another"),
                        day,
                        "h",
                        "/k",
                        "bytes=0-0",
                        null)
                .authorization();
        assertThat(new GetSigner("us-east-1", "s3")
                        .sign(EXAMPLE, day, "h", "/k", "bytes=0-0", null)
                        .authorization())
                .isEqualTo(first);
        assertThat(nextDay).isNotEqualTo(first).contains("/20130525/");
        assertThat(rotated).isNotEqualTo(first);
        assertThat(signer.sign(EXAMPLE, day, "h", "/k", "bytes=0-0", null).authorization())
                .isEqualTo(first);
    }
}
