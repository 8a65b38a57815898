package dev.storageinit.azure;

import dev.storageinit.ConfigurationException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;

/** The checks of what the settings give the resolvers: endpoints, SAS tokens and account keys; no message quotes a secret. */
final class AzureChecks {
    private AzureChecks() {}

    /** A blob service URL, without its trailing slashes. */
    static String endpoint(String shown, String url, String name) throws ConfigurationException {
        String u = stripTrailingSlashes(url);
        if (!(u.startsWith("http://") || u.startsWith("https://")) || hostOf(u).isEmpty()) {
            throw new ConfigurationException(
                    shown,
                    name + " must be a blob service URL such as "
                            + "https://<account>.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1");
        }
        if (u.indexOf('?') >= 0) {
            throw new ConfigurationException(
                    shown,
                    name + " must not carry a query (put a SAS token in the URI or in AZURE_STORAGE_ACCESS_KEY)");
        }
        try {
            new URI(u);
        } catch (URISyntaxException e) {
            throw new ConfigurationException(
                    shown, name + " is not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")");
        }
        return u;
    }

    /**
     * The SAS token when it can go into a URL as it is; a stray character (a space, '|', '"', a bad '%' escape, ...)
     * fails here with a message that names where it is but quotes nothing of the token.
     */
    static String sas(String shown, String sas, String what) throws ConfigurationException {
        String prefix = "http://h/?";
        try {
            new URI(prefix + sas);
        } catch (URISyntaxException e) {
            throw new ConfigurationException(
                    shown,
                    what + " is not a valid URL query (" + e.getReason() + " at character "
                            + (e.getIndex() - prefix.length() + 1) + "; percent-encode it as the portal does)");
        }
        for (int i = 0; i < sas.length(); i++) {
            if (sas.charAt(i) > 0x7e) {
                throw new ConfigurationException(
                        shown,
                        what + " is not a valid URL query (non-ASCII character at character " + (i + 1)
                                + "; percent-encode it as the portal does)");
            }
        }
        return sas;
    }

    /** A base64 account key. */
    static String accountKey(String shown, String key, String what) throws ConfigurationException {
        try {
            if (Base64.getDecoder().decode(key).length > 0) {
                return key;
            }
        } catch (IllegalArgumentException e) {
            // reported below, without the value
        }
        throw new ConfigurationException(
                shown, what + " is neither a base64 account key nor a SAS token ('sv=...&sig=...')");
    }

    /** The host (and port) of a URL, or of {@code host/path} text. */
    static String hostOf(String url) {
        int s = url.indexOf("://");
        String rest = s < 0 ? url : url.substring(s + 3);
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    static String stripQuestionMark(String s) {
        return s.startsWith("?") ? s.substring(1) : s;
    }

    static String stripTrailingSlashes(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }
}
