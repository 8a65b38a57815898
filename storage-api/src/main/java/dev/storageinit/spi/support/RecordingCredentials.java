package dev.storageinit.spi.support;

import dev.storageinit.CredentialSource;
import java.util.Locale;
import java.util.Optional;

/** A {@link CredentialSource} that registers with the {@link Redactor} each secret-like value it hands out. */
final class RecordingCredentials implements CredentialSource {
    private final CredentialSource settings;

    RecordingCredentials(CredentialSource settings) {
        this.settings = settings;
    }

    @Override
    public Optional<String> get(String name) {
        Optional<String> value = settings.get(name);
        if (value.isPresent() && Redactor.isSecretName(name)) {
            if (name.toLowerCase(Locale.ROOT).endsWith("-headers")) {
                Redactor.secretHeaders(value.get());
            } else {
                Redactor.secret(value.get());
            }
        }
        return value;
    }

    @Override
    public String description() {
        return settings.description();
    }

    @Override
    public String describe(String name) {
        return settings.describe(name);
    }

    @Override
    public String toString() {
        return settings.toString();
    }
}
