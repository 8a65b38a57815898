package dev.storageinit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelUriTest {
    @Test
    void objectKeysKeepEveryCharacter() throws Exception {
        ModelUri u = ModelUri.parse("s3://bucket/models/a b#c%20d?e/日本");
        assertThat(u.scheme()).isEqualTo("s3");
        assertThat(u.authority()).isEqualTo("bucket");
        assertThat(u.path()).isEqualTo("models/a b#c%20d?e/日本");
        assertThat(u.query()).isEmpty();
        assertThat(u.basename()).isEqualTo("日本");
    }

    @Test
    void httpUrisSplitQueryAndDropFragment() throws Exception {
        ModelUri u = ModelUri.parse("https://acct.blob.core.windows.net/c/model.bin?sv=2020&sig=abc%2F#frag");
        assertThat(u.path()).isEqualTo("c/model.bin");
        assertThat(u.query()).isEqualTo("sv=2020&sig=abc%2F");
        assertThat(u.toString()).isEqualTo("https://acct.blob.core.windows.net/c/model.bin?sv=2020&sig=***");
    }

    @Test
    void rcloneRemoteFormIsAccepted() throws Exception {
        ModelUri u = ModelUri.parse("s3:sklearn/iris");
        assertThat(u.scheme()).isEqualTo("s3");
        assertThat(u.authority()).isEqualTo("sklearn");
        assertThat(u.path()).isEqualTo("iris");
        assertThat(u.text()).isEqualTo("s3:sklearn/iris");
        assertThat(ModelUri.parse("minio:/models/a b").path()).isEqualTo("a b");
        assertThat(ModelUri.parse("gcs:bucket").path()).isEmpty();
    }

    @Test
    void localPathsAreFileUris() throws Exception {
        assertThat(ModelUri.parse("/mnt/pvc/model").path()).isEqualTo("mnt/pvc/model");
        assertThat(ModelUri.parse("/mnt/pvc/model").scheme()).isEqualTo("file");
        assertThat(ModelUri.parse("file:///mnt/x").path()).isEqualTo("mnt/x");
        assertThat(ModelUri.parse("relative/dir").path())
                .isEqualTo(Path.of("relative/dir").toAbsolutePath().toString().substring(1));
        assertThat(ModelUri.parse("S3://B/p").scheme()).isEqualTo("s3");
    }

    @Test
    void badFormsSayWhatIsExpected() {
        assertThatThrownBy(() -> ModelUri.parse("s3:///path"))
                .isInstanceOf(InvalidUriException.class)
                .hasMessageContaining("missing bucket or host after 's3://'")
                .hasMessageContaining("expected");
        assertThatThrownBy(() -> ModelUri.parse("")).isInstanceOf(InvalidUriException.class);
        assertThatThrownBy(() -> ModelUri.parse("https:host/x")).hasMessageContaining("missing '//'");
        assertThatThrownBy(() -> ModelUri.parse("s3://b/x\ny")).hasMessageContaining("control character");
        assertThatThrownBy(() -> ModelUri.parse("file://host/x")).hasMessageContaining("file:///<path>");
    }

    @Test
    void secretsAreRedacted() throws Exception {
        assertThat(ModelUri.redact("https://u:pw@h/p?X-Amz-Signature=s&X-Amz-Credential=c&x=1&token=t"))
                .isEqualTo("https://u:***@h/p?X-Amz-Signature=***&X-Amz-Credential=***&x=1&token=***");
        assertThat(ModelUri.parse("https://h/p?sig=SECRET").toString()).doesNotContain("SECRET");
        assertThatThrownBy(() -> ModelUri.parse("https:///p?sig=SECRET")).hasMessageNotContaining("SECRET");
    }
}
