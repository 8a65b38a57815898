package dev.storageinit.cli;

import dev.storageinit.spi.support.ScrubbingFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The CLI's log output: every line goes through the library's scrubber (the SDKs' and the JDK's records as well as
 * the library's own), and the SDKs' loggers stay silent unless {@code --verbose}: the tool reports each failure
 * itself in one line, and an SDK's warning about the same failure only repeats it, often with the request URL.
 */
final class ConsoleLogging {
    /** Loggers of the clients under the providers (JUL, or slf4j bound to JUL in the jar). */
    private static final List<String> SDK_LOGGERS = List.of("com.azure", "software.amazon", "com.google", "io.grpc",
            "io.netty", "reactor", "org.apache.http", "jdk.internal.httpclient");
    /** JUL keeps loggers weakly: a level set on one nobody holds would be lost. */
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    private ConsoleLogging() {}

    static synchronized void configure(boolean quiet, boolean verbose) {
        Logger root = Logger.getLogger("");
        root.setLevel(quiet ? Level.WARNING : Level.INFO);
        for (Handler h : root.getHandlers()) {
            ScrubbingFormatter.install(h);
        }
        CONFIGURED.clear();
        for (String name : SDK_LOGGERS) {
            Logger sdk = Logger.getLogger(name);
            sdk.setLevel(verbose ? null : Level.OFF);
            CONFIGURED.add(sdk);
        }
    }
}
