package dev.storageinit.cli;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.spi.support.Json;
import dev.storageinit.spi.support.Redactor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * KServe's storage spec. An InferenceService's {@code storage.key} makes KServe pass that entry of its
 * {@code storage-config} secret, a JSON object, as {@code STORAGE_CONFIG}, and {@code storage.parameters} as
 * {@code STORAGE_OVERRIDE_CONFIG}, whose fields replace the entry's. As KServe's initializer does, the fields of a
 * {@code "type": "s3"} entry stand for the S3 variables and win over the environment's ({@code endpoint_url} for
 * {@code AWS_ENDPOINT_URL}, {@code access_key_id}, {@code secret_access_key}, {@code region} for
 * {@code AWS_DEFAULT_REGION}, {@code ca_bundle}, {@code verify_ssl}, {@code anonymous}); entries of other types
 * change nothing.
 */
final class StorageSpec {
    static final String CONFIG = "STORAGE_CONFIG";
    static final String OVERRIDE = "STORAGE_OVERRIDE_CONFIG";

    /** An s3 entry's fields and the variables they stand for, as KServe's initializer maps them. */
    private static final Map<String, String> S3_FIELDS = Map.of(
            "endpoint_url", "AWS_ENDPOINT_URL",
            "access_key_id", "AWS_ACCESS_KEY_ID",
            "secret_access_key", "AWS_SECRET_ACCESS_KEY",
            "region", "AWS_DEFAULT_REGION",
            "ca_bundle", "AWS_CA_BUNDLE",
            "verify_ssl", "S3_VERIFY_SSL",
            "anonymous", "awsAnonymousCredential");

    private StorageSpec() {}

    /**
     * {@code settings} with the storage spec's variables over it, or {@code settings} itself when
     * {@value #CONFIG} and {@value #OVERRIDE} give no s3 entry.
     *
     * @throws ConfigurationException when either is not a JSON object, or a field used is not a string, a number or
     *     a boolean (the message never holds the value: the entry holds credentials)
     */
    static CredentialSource over(CredentialSource settings) throws ConfigurationException {
        Map<String, Object> entry = object(settings, CONFIG);
        entry.putAll(object(settings, OVERRIDE));
        if (!"s3".equals(entry.get("type"))) {
            return settings;
        }
        Map<String, String> values = new TreeMap<>();
        for (Map.Entry<String, String> field : S3_FIELDS.entrySet()) {
            Object v = entry.get(field.getKey());
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                values.put(field.getValue(), v.toString());
            } else if (v != null) {
                throw new ConfigurationException(
                        "",
                        "the storage spec's field '" + field.getKey() + "' (" + CONFIG + ", " + OVERRIDE
                                + ") must be a string, a number or a boolean");
            }
        }
        return CredentialSource.first(new Spec(values), settings);
    }

    private static Map<String, Object> object(CredentialSource settings, String name) throws ConfigurationException {
        Optional<String> text = settings.get(name);
        if (text.isEmpty()) {
            return new LinkedHashMap<>();
        }
        Redactor.secret(text.get());
        Object parsed;
        try {
            parsed = Json.parse(text.get());
        } catch (IllegalArgumentException e) {
            parsed = null; // the parser's message may quote a piece of the value
        }
        if (!(parsed instanceof Map)) {
            throw new ConfigurationException(
                    "",
                    name + " (" + settings.describe(name)
                            + ") must be a JSON object, as KServe's storage spec writes it; its value is not shown");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) parsed;
        return new LinkedHashMap<>(fields);
    }

    /** The variables an s3 entry stands for; names them, never their values. */
    private record Spec(Map<String, String> values) implements CredentialSource {
        @Override
        public Optional<String> get(String name) {
            String v = values.get(name);
            return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
        }

        @Override
        public String description() {
            return "KServe storage spec, " + CONFIG;
        }

        @Override
        public String toString() {
            return "CredentialSource[" + description() + ", names=" + List.copyOf(values.keySet()) + "]";
        }
    }
}
