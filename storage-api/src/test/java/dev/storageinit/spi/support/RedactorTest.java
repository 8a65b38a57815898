package dev.storageinit.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.CredentialSource;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

class RedactorTest {

    @Test
    void registeredSecretsGoInEveryFormAndPart() {
        String sig = "abc|Def\"Gh1 zzTopSecretTail";
        Redactor.secret("sv=2021-08-06&sp=rl&sig=" + sig);
        assertThat(Redactor.scrub("GET /c?sv=2021-08-06&sig=" + sig + " x"))
                .doesNotContain("TopSecret")
                .contains("sv=2021-08-06");
        assertThat(Redactor.scrub("quoted: \"" + sig.replace("\"", "\\\"") + "\""))
                .doesNotContain("TopSecret");
        assertThat(Redactor.scrub("encoded abc%7CDef%22Gh1%20zzTopSecretTail")).doesNotContain("TopSecret");
        assertThat(Redactor.scrub("form abc%7CDef%22Gh1+zzTopSecretTail")).doesNotContain("TopSecret");
        assertThat(Redactor.scrub("only the tail: zzTopSecretTail")).isEqualTo("only the tail: ***");
    }

    @Test
    void ofJsonTheSecretMembersAndEveryHeaderValue() {
        Redactor.secret("{\"type\": \"service_account\", \"project_id\": \"visible-project\", "
                + "\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvPemBodyLine0123456789\\n\"}");
        assertThat(Redactor.scrub("project visible-project, key line MIIEvPemBodyLine0123456789"))
                .isEqualTo("project visible-project, key line ***");
        Redactor.secretHeaders("{\"Cookie\": \"session=CookieValue-31337\"}");
        assertThat(Redactor.scrub("sent session=CookieValue-31337")).isEqualTo("sent ***");
    }

    @Test
    void patternsCatchWhatNoOneRegistered() {
        assertThat(Redactor.scrub("to https://h/p?X-Amz-Credential=AK%2F1&X-Amz-Signature=deadbeef&a=1"))
                .isEqualTo("to https://h/p?X-Amz-Credential=***&X-Amz-Signature=***&a=1");
        assertThat(Redactor.scrub("cs ;AccountKey=abc==;BlobEndpoint=http://h"))
                .isEqualTo("cs ;AccountKey=***;BlobEndpoint=http://h");
        assertThat(Redactor.scrub("at https://user:pa55@host/x")).isEqualTo("at https://user:***@host/x");
        assertThat(Redactor.scrub("Authorization: Bearer eyJhbGciOi")).isEqualTo("Authorization: ***");
        assertThat(Redactor.scrub("AZURE_FEDERATED_TOKEN_FILE=/var/run/token")).contains("/var/run/token");
    }

    @Test
    void secretNames() {
        assertThat(List.of(
                        "AWS_SECRET_ACCESS_KEY",
                        "AWS_SESSION_TOKEN",
                        "AZURE_STORAGE_CONNECTION_STRING",
                        "RCLONE_CONFIG_AZ_SAS_URL",
                        "RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS",
                        "example.com-headers",
                        "AZURE_CLIENT_CERTIFICATE_PASSWORD"))
                .allMatch(Redactor::isSecretName);
        assertThat(List.of(
                        "GOOGLE_APPLICATION_CREDENTIALS",
                        "AWS_WEB_IDENTITY_TOKEN_FILE",
                        "AWS_REGION",
                        "RCLONE_CONFIG_S3_ENV_AUTH",
                        "AZURE_STORAGE_BLOB_ENDPOINT"))
                .noneMatch(Redactor::isSecretName);
    }

    @Test
    void recordingCredentialsRegisterOnlySecretNames() {
        CredentialSource s = Redactor.recording(CredentialSource.of(
                Map.of("AWS_SECRET_ACCESS_KEY", "k3y-Material-0123", "AWS_REGION", "eu-central-9x")));
        assertThat(s.get("AWS_SECRET_ACCESS_KEY")).contains("k3y-Material-0123");
        assertThat(s.get("AWS_REGION")).contains("eu-central-9x");
        assertThat(Redactor.scrub("k3y-Material-0123 eu-central-9x")).isEqualTo("*** eu-central-9x");
    }

    @Test
    void storageExceptionsShowNoSecretInMessageCausesOrStackTrace() {
        Redactor.secret("Cause-Secret-4711");
        Exception root = new IllegalStateException("deep Cause-Secret-4711");
        URISyntaxException quoted = new URISyntaxException("http://h/?sig=Cause-Secret-4711", "Illegal character");
        quoted.initCause(root);
        RuntimeException outer = new RuntimeException("while sending Cause-Secret-4711", quoted);
        outer.addSuppressed(new IllegalArgumentException("suppressed Cause-Secret-4711"));
        StorageException e = new TransferException("s3://b/p", "failed: " + outer, true, outer);

        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        e.printStackTrace(new PrintStream(trace, true, StandardCharsets.UTF_8));
        StringBuilder all = new StringBuilder(e.getMessage()).append(e).append(trace.toString(StandardCharsets.UTF_8));
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            all.append(t).append(t.getMessage());
            for (Throwable s : t.getSuppressed()) {
                all.append(s);
            }
        }
        assertThat(all)
                .doesNotContain("Cause-Secret-4711")
                .contains("java.net.URISyntaxException: ")
                .contains("java.lang.IllegalStateException: deep ***")
                .contains("Suppressed: ");
        assertThat(e.getCause().getStackTrace()).isEqualTo(outer.getStackTrace());
    }

    @Test
    void theLibrarysLoggersScrubMessagesParametersAndErrors() {
        Redactor.secret("Log-Secret-0815");
        List<String> lines = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(new SimpleFormatter().format(r));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger jul = Logger.getLogger("dev.storageinit.redactortest");
        jul.addHandler(h);
        jul.setLevel(Level.ALL);
        try {
            System.Logger log = Redactor.logger("dev.storageinit.redactortest");
            log.log(System.Logger.Level.INFO, "using {0} at ''{1}''", "Log-Secret-0815", "https://h/?sig=x1");
            log.log(System.Logger.Level.WARNING, "failed", new IllegalStateException("Log-Secret-0815"));
        } finally {
            jul.removeHandler(h);
        }
        assertThat(String.join("", lines))
                .doesNotContain("Log-Secret-0815")
                .doesNotContain("sig=x1")
                .contains("using *** at 'https://h/?sig=***'")
                .contains("java.lang.IllegalStateException: ***");
    }
}
