package dev.storageinit.hf;

import dev.storageinit.ConfigurationException;
import dev.storageinit.spi.support.Redactor;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the Hub is reached with, read as huggingface_hub reads it: the endpoint ({@value #ENDPOINT}, default
 * {@value #DEFAULT_ENDPOINT}, a mirror or a self-hosted Hub, trailing {@code /} dropped), the token ({@value #TOKEN},
 * then {@value #LEGACY_TOKEN}, then the token file: {@value #TOKEN_PATH}, else {@code $HF_HOME/token}, else
 * {@code $XDG_CACHE_HOME/huggingface/token}, else {@code ~/.cache/huggingface/token}) and the longest wait for
 * bytes ({@value #DOWNLOAD_TIMEOUT}, else the shared {@code STORAGE_READ_TIMEOUT}, default 10 s as huggingface_hub). {@link #IGNORED} are the variables KServe's
 * webhook sets for the Python client; they are accepted and change nothing.
 *
 * @param endpoint the Hub's base URL, without a trailing slash
 * @param token the bearer token, or null for none
 * @param tokenSource where the token came from ({@code HF_TOKEN (environment)}, {@code token file ...}), or what was
 *     looked at when there is none; never the token
 * @param readTimeout the longest wait for an answer and for each next bytes of a body
 * @param readTimeoutSetting the setting that sets it, for messages
 */
record HubSettings(URI endpoint, String token, String tokenSource, Duration readTimeout, String readTimeoutSetting) {
    static final String ENDPOINT = "HF_ENDPOINT";
    static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    static final String TOKEN = "HF_TOKEN";
    static final String LEGACY_TOKEN = "HUGGING_FACE_HUB_TOKEN";
    static final String TOKEN_PATH = "HF_TOKEN_PATH";
    static final String HOME = "HF_HOME";
    static final String XDG_CACHE_HOME = "XDG_CACHE_HOME";
    static final String DOWNLOAD_TIMEOUT = "HF_HUB_DOWNLOAD_TIMEOUT";
    /** Set by KServe's webhook for huggingface_hub's transfer backends; no effect here. */
    static final List<String> IGNORED = List.of(
            "HF_HUB_ENABLE_HF_TRANSFER",
            "HF_XET_HIGH_PERFORMANCE",
            "HF_XET_NUM_CONCURRENT_RANGE_GETS",
            "HF_HUB_DISABLE_XET");

    /** Hides the token. */
    @Override
    public String toString() {
        return "HubSettings[" + endpoint + ", token from " + tokenSource + ", read timeout " + readTimeout + "]";
    }

    static HubSettings read(Settings settings) throws ConfigurationException {
        URI endpoint = endpoint(settings);
        Duration timeout = settings.readTimeout(DOWNLOAD_TIMEOUT, Duration.ofSeconds(10));
        String timeoutSetting = settings.readTimeoutName(DOWNLOAD_TIMEOUT);
        Optional<Setting> variable = settings.firstOf(TOKEN, LEGACY_TOKEN);
        if (variable.isPresent()) {
            return new HubSettings(
                    endpoint,
                    checked(settings, variable.get().value(), variable.get().toString()),
                    variable.get().toString(),
                    timeout,
                    timeoutSetting);
        }
        Optional<Setting> pathSetting = settings.get(TOKEN_PATH);
        Path file;
        String fileSource;
        if (pathSetting.isPresent()) {
            file = pathSetting.get().path();
            fileSource = pathSetting.get().toString();
        } else {
            Optional<Setting> home = settings.get(HOME);
            Optional<Setting> cache = settings.get(XDG_CACHE_HOME);
            if (home.isPresent()) {
                file = home.get().path().resolve("token");
                fileSource = home.get().toString();
            } else if (cache.isPresent()) {
                file = cache.get().path().resolve("huggingface").resolve("token");
                fileSource = cache.get().toString();
            } else {
                file = Path.of(System.getProperty("user.home"), ".cache", "huggingface", "token");
                fileSource = "the default place";
            }
        }
        String source = "token file " + file + " (from " + fileSource + ")";
        String token;
        try {
            token = Files.readString(file).strip();
        } catch (NoSuchFileException e) {
            token = "";
        } catch (IOException e) {
            throw new ConfigurationException(
                    settings.uri(),
                    "cannot read the " + source + ": " + e.getClass().getSimpleName(),
                    e);
        }
        if (token.isEmpty()) {
            return new HubSettings(
                    endpoint,
                    null,
                    "none (" + TOKEN + " and " + LEGACY_TOKEN + " unset, no " + source + ")",
                    timeout,
                    timeoutSetting);
        }
        Redactor.secret(token);
        return new HubSettings(endpoint, checked(settings, token, source), source, timeout, timeoutSetting);
    }

    private static URI endpoint(Settings settings) throws ConfigurationException {
        Optional<Setting> s = settings.get(ENDPOINT);
        String text = s.map(Setting::value).orElse(DEFAULT_ENDPOINT);
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        try {
            URI u = new URI(text);
            String scheme = u.getScheme();
            if (("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
                    && u.getHost() != null
                    && u.getRawQuery() == null
                    && u.getRawFragment() == null) {
                return u;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw s.orElseThrow().invalid("must be an http(s) URL (https://huggingface.co or a mirror)");
    }

    /** A token goes into a header: visible ASCII only; the error names its source, never the value. */
    private static String checked(Settings settings, String token, String source) throws ConfigurationException {
        Redactor.secret(token);
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ConfigurationException(
                    settings.uri(),
                    "the Hugging Face token from " + source + " holds a space, a line break or a character"
                            + " outside ASCII, which no HTTP header can carry; a token looks like hf_...");
        }
        return token;
    }
}
