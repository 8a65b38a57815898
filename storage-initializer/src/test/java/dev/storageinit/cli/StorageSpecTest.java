package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StorageSpecTest {
    private static final String ENTRY = "{\"type\": \"s3\", \"access_key_id\": \"spec-key\","
            + " \"secret_access_key\": \"spec-secret-0123\", \"endpoint_url\": \"http://minio:9000\","
            + " \"region\": \"us-south\", \"bucket\": \"mlpipeline\", \"verify_ssl\": false, \"anonymous\": \"False\"}";

    @Test
    void anS3EntrysFieldsStandForTheS3VariablesAndWinOverTheEnvironment() throws Exception {
        CredentialSource s = StorageSpec.over(CredentialSource.of(
                Map.of("STORAGE_CONFIG", ENTRY, "AWS_ACCESS_KEY_ID", "env-key", "AWS_SESSION_TOKEN", "env-token")));
        assertThat(s.get("AWS_ACCESS_KEY_ID")).hasValue("spec-key");
        assertThat(s.get("AWS_SECRET_ACCESS_KEY")).hasValue("spec-secret-0123");
        assertThat(s.get("AWS_ENDPOINT_URL")).hasValue("http://minio:9000");
        assertThat(s.get("AWS_DEFAULT_REGION")).hasValue("us-south");
        assertThat(s.get("S3_VERIFY_SSL")).hasValue("false");
        assertThat(s.get("awsAnonymousCredential")).hasValue("False");
        assertThat(s.get("AWS_SESSION_TOKEN")).as("what the entry does not set").hasValue("env-token");
        assertThat(s.describe("AWS_ACCESS_KEY_ID")).isEqualTo("KServe storage spec, STORAGE_CONFIG");
        assertThat(s.describe("AWS_SESSION_TOKEN")).isEqualTo("settings map");
        assertThat(s.toString()).doesNotContain("spec-key").doesNotContain("spec-secret-0123");
    }

    @Test
    void theOverrideConfigsFieldsReplaceTheEntrys() throws Exception {
        CredentialSource s = StorageSpec.over(CredentialSource.of(Map.of(
                "STORAGE_CONFIG", ENTRY, "STORAGE_OVERRIDE_CONFIG", "{\"region\": \"eu-de\", \"bucket\": \"other\"}")));
        assertThat(s.get("AWS_DEFAULT_REGION")).hasValue("eu-de");
        assertThat(s.get("AWS_ACCESS_KEY_ID")).hasValue("spec-key");
        CredentialSource overrideOnly = StorageSpec.over(CredentialSource.of(
                Map.of("STORAGE_OVERRIDE_CONFIG", "{\"type\": \"s3\", \"endpoint_url\": \"http://other:9000\"}")));
        assertThat(overrideOnly.get("AWS_ENDPOINT_URL")).hasValue("http://other:9000");
    }

    @Test
    void entriesOfOtherTypesAndNoSpecChangeNothing() throws Exception {
        CredentialSource env = CredentialSource.of(Map.of("AWS_ACCESS_KEY_ID", "env-key"));
        assertThat(StorageSpec.over(env)).isSameAs(env);
        CredentialSource hdfs = CredentialSource.of(
                Map.of("STORAGE_CONFIG", "{\"type\": \"hdfs\", \"access_key_id\": \"x\"}", "AWS_ACCESS_KEY_ID", "k"));
        assertThat(StorageSpec.over(hdfs)).isSameAs(hdfs);
    }

    @Test
    void aMalformedSpecIsAConfigurationErrorThatShowsNoneOfItsValue() {
        for (String bad : new String[] {
            "{\"type\": \"s3\", \"secret_access_key\": \"leak-me-9876\" ",
            "[\"leak-me-9876\"]",
            "leak-me-9876",
            "{\"a\": x-leak-me-9876}"
        }) {
            assertThatThrownBy(() -> StorageSpec.over(CredentialSource.of(Map.of("STORAGE_CONFIG", bad))))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessage(
                            "STORAGE_CONFIG (settings map) must be a JSON object, as KServe's storage spec writes it;"
                                    + " its value is not shown");
        }
        // the field's name may be masked: the malformed values above registered their words as secrets
        assertThatThrownBy(() -> StorageSpec.over(CredentialSource.of(
                        Map.of("STORAGE_CONFIG", "{\"type\": \"s3\", \"region\": {\"v\": \"leak-me-9876\"}}"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("the storage spec's field '")
                .hasMessageEndingWith(
                        "' (STORAGE_CONFIG, STORAGE_OVERRIDE_CONFIG) must be a string, a number or a boolean")
                .hasMessageNotContaining("leak-me");
    }
}
