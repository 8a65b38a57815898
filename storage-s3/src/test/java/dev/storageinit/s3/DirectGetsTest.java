package dev.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.s3.DirectGets.Address;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/** How {@link DirectGets} reads the bucket's address off the listing request the SDK sent. */
class DirectGetsTest {
    private static final String SIGNED = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/eu-west-3/s3/aws4_request, "
            + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0123abcd";

    private static SdkHttpRequest.Builder listing(String host, String path) {
        return SdkHttpRequest.builder()
                .method(SdkHttpMethod.GET)
                .protocol("https")
                .host(host)
                .encodedPath(path)
                .putRawQueryParameter("list-type", "2");
    }

    @Test
    void virtualHostedBucketHasNoPathPrefix() {
        Address a = DirectGets.learn(listing("models.s3.eu-west-3.amazonaws.com", "/")
                        .putHeader("Authorization", SIGNED)
                        .build())
                .orElseThrow();
        assertThat(a).isEqualTo(new Address("https", "models.s3.eu-west-3.amazonaws.com", 443, "", "eu-west-3", "s3"));
        assertThat(a.signed()).isTrue();
    }

    @Test
    void pathStyleBucketKeepsItsPathAndPort() {
        Address a = DirectGets.learn(listing("minio.local", "/models/")
                        .port(9000)
                        .putHeader("Authorization", SIGNED)
                        .build())
                .orElseThrow();
        assertThat(a.bucketPath()).isEqualTo("/models");
        assertThat(a.port()).isEqualTo(9000);
        assertThat(DirectGets.learn(listing("minio.local", "/models").build())
                        .orElseThrow()
                        .bucketPath())
                .isEqualTo("/models");
    }

    @Test
    void anUnsignedListingMeansUnsignedReads() {
        Address a = DirectGets.learn(listing("public.s3.amazonaws.com", "/").build())
                .orElseThrow();
        assertThat(a.signed()).isFalse();
    }

    @Test
    void otherSigningSchemesAreLeftToTheS3Client() {
        assertThat(DirectGets.learn(listing("mrap.accesspoint.s3-global.amazonaws.com", "/")
                        .putHeader(
                                "Authorization",
                                "AWS4-ECDSA-P256-SHA256 Credential=AKID/20261126/s3/aws4_request, "
                                        + "SignedHeaders=host, Signature=00")
                        .build()))
                .isEmpty();
        assertThat(DirectGets.learn(listing("b.s3.amazonaws.com", "/")
                        .putHeader("Authorization", "AWS AKID:signature")
                        .build()))
                .isEmpty();
    }

    @Test
    void keysAreEncodedAsTheSdkEncodesThem() {
        java.util.Random random = new java.util.Random(9);
        String alphabet = "aZ09-_.~/ +*%#?&=ü模\uD83D\uDE00\uD800!'()";
        for (int i = 0; i < 2000; i++) {
            StringBuilder key = new StringBuilder();
            for (int n = random.nextInt(12); n > 0; n--) {
                key.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertThat(DirectGets.encodePath(key.toString()))
                    .as(key.toString())
                    .isEqualTo(software.amazon.awssdk.utils.http.SdkHttpUtils.urlEncodeIgnoreSlashes(key.toString()));
        }
        String plain = "models/llama/model-00001-of-00002.safetensors";
        assertThat(DirectGets.encodePath(plain)).isSameAs(plain);
    }
}
