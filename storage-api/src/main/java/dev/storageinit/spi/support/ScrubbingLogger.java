package dev.storageinit.spi.support;

import java.text.MessageFormat;
import java.util.ResourceBundle;

/**
 * A {@link System.Logger} that formats each message itself and hands the backend only the
 * {@linkplain Redactor#scrub scrubbed} text and a {@linkplain Redactor#shield shielded} error, so that an
 * embedder's log configuration never sees a secret the library knows of.
 */
final class ScrubbingLogger implements System.Logger {
    private final System.Logger backend;

    ScrubbingLogger(System.Logger backend) {
        this.backend = backend;
    }

    @Override
    public String getName() {
        return backend.getName();
    }

    @Override
    public boolean isLoggable(Level level) {
        return backend.isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        if (isLoggable(level)) {
            backend.log(level, (ResourceBundle) null, Redactor.scrub(localized(bundle, msg)), Redactor.shield(thrown));
        }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        if (isLoggable(level)) {
            String pattern = localized(bundle, format);
            String text = params == null || params.length == 0 || pattern == null || pattern.indexOf('{') < 0
                    ? pattern
                    : MessageFormat.format(pattern, params);
            backend.log(level, (ResourceBundle) null, Redactor.scrub(text), (Throwable) null);
        }
    }

    private static String localized(ResourceBundle bundle, String key) {
        return bundle != null && key != null && bundle.containsKey(key) ? bundle.getString(key) : key;
    }
}
