package dev.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.SourceContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings precedence and parsing; no server needed. */
class S3SettingsTest {

    private static S3Settings parse(String uri, Map<String, String> env) throws Exception {
        return S3Settings.from(ModelUri.parse(uri), CredentialSource.of(env));
    }

    @Test
    void defaultsWithNothingSet() throws Exception {
        S3Settings s = parse("s3://bucket/a/b", Map.of());
        assertThat(s.bucket).isEqualTo("bucket");
        assertThat(s.key).isEqualTo("a/b");
        assertThat(s.credentialsMode).isEqualTo(S3Settings.CredentialsMode.DEFAULT_CHAIN);
        assertThat(s.endpoint).isNull();
        assertThat(s.isAws()).isTrue();
        assertThat(s.region).isEqualTo("us-east-1");
        assertThat(s.regionExplicit).isFalse();
        assertThat(s.pathStyle).isFalse();
        assertThat(s.verifySsl).isTrue();
        assertThat(s.connectTimeout).isEqualTo(Duration.ofSeconds(15));
        assertThat(s.readTimeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxAttempts).isEqualTo(2);
    }

    @Test
    void kserveVariables() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", "AKID");
        env.put("AWS_SECRET_ACCESS_KEY", "s3cr3t");
        env.put("AWS_SESSION_TOKEN", "tok3n");
        env.put("S3_ENDPOINT", "minio.local:9000");
        env.put("S3_USE_HTTPS", "0");
        env.put("AWS_DEFAULT_REGION", "eu-west-1");
        env.put("S3_VERIFY_SSL", "false");
        env.put("S3_CONNECT_TIMEOUT", "2.5");
        env.put("S3_READ_TIMEOUT", "7");
        env.put("S3_MAX_ATTEMPTS", "9");
        S3Settings s = parse("s3://b/m", env);
        assertThat(s.credentialsMode).isEqualTo(S3Settings.CredentialsMode.STATIC);
        assertThat(s.sessionToken).isEqualTo("tok3n");
        assertThat(s.endpoint).hasToString("http://minio.local:9000");
        assertThat(s.isAws()).isFalse();
        assertThat(s.pathStyle).isTrue();
        assertThat(s.region).isEqualTo("eu-west-1");
        assertThat(s.verifySsl).isFalse();
        assertThat(s.connectTimeout).isEqualTo(Duration.ofMillis(2500));
        assertThat(s.readTimeout).isEqualTo(Duration.ofSeconds(7));
        assertThat(s.maxAttempts).isEqualTo(9);
        assertThat(s.describe())
                .contains("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (settings map) with a session token")
                .contains("S3_ENDPOINT")
                .doesNotContain("s3cr3t")
                .doesNotContain("tok3n")
                .doesNotContain("AKID");
        assertThat(s.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void endpointPrecedenceAndSchemes() throws Exception {
        assertThat(parse("s3://b/m", Map.of("S3_ENDPOINT", "h:1")).endpoint).hasToString("https://h:1");
        assertThat(parse("s3://b/m", Map.of("S3_ENDPOINT", "http://h:1", "S3_USE_HTTPS", "1")).endpoint)
                .hasToString("http://h:1");
        assertThat(parse("s3://b/m", Map.of("S3_ENDPOINT", "h:1", "AWS_ENDPOINT_URL", "http://e:2")).endpoint)
                .hasToString("http://e:2");
        assertThat(parse("s3://b/m", Map.of("AWS_ENDPOINT_URL_S3", "http://s:3", "AWS_ENDPOINT_URL", "http://e:2"))
                        .endpoint)
                .hasToString("http://s:3");
        assertThat(parse("s3://b/m", Map.of("AWS_ENDPOINT_URL", "https://s3.eu-west-1.amazonaws.com")).pathStyle)
                .as("an AWS endpoint stays virtual-hosted")
                .isFalse();
        assertThatThrownBy(() -> parse("s3://b/m", Map.of("AWS_ENDPOINT_URL", "ftp://x")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("AWS_ENDPOINT_URL");
    }

    @Test
    void addressingStyleChoices() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("AWS_ENDPOINT_URL", "http://h:1"));
        assertThat(parse("s3://b/m", env).pathStyle).isTrue();
        env.put("S3_USER_VIRTUAL_BUCKET", "true");
        assertThat(parse("s3://b/m", env).pathStyle).isFalse();
        Map<String, String> rclone = new HashMap<>(Map.of(
                "RCLONE_CONFIG_S3_TYPE",
                "s3",
                "RCLONE_CONFIG_S3_ENDPOINT",
                "h:1",
                "RCLONE_CONFIG_S3_FORCE_PATH_STYLE",
                "false"));
        S3Settings s = parse("s3://b/m", rclone);
        assertThat(s.endpoint).hasToString("https://h:1");
        assertThat(s.pathStyle).isFalse();
        assertThat(parse("s3://b/m", Map.of("S3_USE_ACCELERATE", "true")).accelerate)
                .isTrue();
    }

    @Test
    void rclonePrecedence() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("RCLONE_CONFIG_MY_REMOTE_TYPE", "s3");
        env.put("RCLONE_CONFIG_MY_REMOTE_ACCESS_KEY_ID", "rk");
        env.put("RCLONE_CONFIG_MY_REMOTE_SECRET_ACCESS_KEY", "rs");
        env.put("RCLONE_CONFIG_MY_REMOTE_REGION", "ap-south-1");
        env.put("AWS_ACCESS_KEY_ID", "ak");
        env.put("AWS_SECRET_ACCESS_KEY", "as");
        env.put("AWS_REGION", "us-west-2");
        env.put("AWS_ENDPOINT_URL", "http://kserve:1");
        S3Settings s = parse("my-remote://b/m", env);
        assertThat(s.rcloneRemote).isTrue();
        assertThat(s.accessKeyId).isEqualTo("rk");
        assertThat(s.region).isEqualTo("ap-south-1");
        assertThat(s.endpoint)
                .as("the remote sets no endpoint: the KServe one fills in")
                .hasToString("http://kserve:1");
        assertThat(s.credentialsSource).startsWith("RCLONE_CONFIG_MY_REMOTE_ACCESS_KEY_ID/");
        // the plain s3:// scheme ignores another remote's fields
        S3Settings plain = parse("s3://b/m", env);
        assertThat(plain.accessKeyId).isEqualTo("ak");
        assertThat(plain.region).isEqualTo("us-west-2");
    }

    @Test
    void credentialModes() throws Exception {
        assertThat(parse(
                                "s3://b/m",
                                Map.of(
                                        "awsAnonymousCredential",
                                        "true",
                                        "AWS_ACCESS_KEY_ID",
                                        "a",
                                        "AWS_SECRET_ACCESS_KEY",
                                        "s"))
                        .credentialsMode)
                .isEqualTo(S3Settings.CredentialsMode.ANONYMOUS);
        S3Settings web = parse(
                "s3://b/m",
                Map.of(
                        "AWS_ROLE_ARN",
                        "arn:aws:iam::1:role/r",
                        "AWS_WEB_IDENTITY_TOKEN_FILE",
                        "/var/run/secrets/eks/token"));
        assertThat(web.credentialsMode).isEqualTo(S3Settings.CredentialsMode.WEB_IDENTITY);
        assertThat(web.credentialsSource).contains("web identity").contains("AWS_ROLE_ARN");
        assertThat(parse("s3://b/m", Map.of("AWS_PROFILE", "dev")).credentialsMode)
                .isEqualTo(S3Settings.CredentialsMode.PROFILE);
        assertThatThrownBy(() -> parse("s3://b/m", Map.of("AWS_ACCESS_KEY_ID", "a")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("AWS_SECRET_ACCESS_KEY");
        assertThatThrownBy(() -> parse(
                        "s3://b/m", Map.of("RCLONE_CONFIG_S3_TYPE", "s3", "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", "x")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("RCLONE_CONFIG_S3_ACCESS_KEY_ID")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("=x"));
    }

    @Test
    void badTuningValuesAreConfigurationErrors() {
        assertThatThrownBy(() -> parse("s3://b/m", Map.of("S3_MAX_ATTEMPTS", "zero")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("S3_MAX_ATTEMPTS");
        assertThatThrownBy(() -> parse("s3://b/m", Map.of("S3_READ_TIMEOUT", "-1")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("S3_READ_TIMEOUT");
    }

    @Test
    void flagsFollowTheOneTruthyRuleAndAnythingElseNamesTheVariable() throws Exception {
        assertThat(parse("s3://b/m", Map.of("S3_VERIFY_SSL", "off")).verifySsl).isFalse();
        assertThat(parse("s3://b/m", Map.of("S3_USE_ACCELERATE", "YES")).accelerate)
                .isTrue();
        assertThatThrownBy(() -> parse("s3://b/m", Map.of("S3_VERIFY_SSL", "maybe")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("s3://b/m: S3_VERIFY_SSL (settings map) must be one of");
        assertThat(parse("my-s3://b/m", Map.of("RCLONE_CONFIG_MY_S3_TYPE", "s3", "RCLONE_CONFIG_MY_S3_ENV_AUTH", "on"))
                        .credentialsMode)
                .isEqualTo(S3Settings.CredentialsMode.DEFAULT_CHAIN);
    }

    @Test
    void badBucketIsAnInvalidUriNamingTheExpectedForm() {
        assertThatThrownBy(() -> new S3Provider()
                        .open(ModelUri.parse("s3://host:9000/bucket/m"), new SourceContext(CredentialSource.none(), 1)))
                .isInstanceOf(InvalidUriException.class)
                .hasMessageStartingWith("s3://host:9000/bucket/m: ")
                .hasMessageContaining("s3://<bucket>/<path>");
    }

    @Test
    void ifMatchIsAlwaysAQuotedStrongEtag() {
        assertThat(S3ObjectSource.ifMatch("\"0123abc\"")).isEqualTo("\"0123abc\"");
        assertThat(S3ObjectSource.ifMatch("0123abc-2")).isEqualTo("\"0123abc-2\"");
        assertThat(S3ObjectSource.ifMatch("W/\"weak\"")).isNull();
        assertThat(S3ObjectSource.ifMatch(null)).isNull();
    }
}
