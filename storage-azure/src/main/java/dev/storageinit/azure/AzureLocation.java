package dev.storageinit.azure;

import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import dev.storageinit.spi.http.HttpText;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an Azure URI names, SDK-free.
 *
 * @param uri the URI as given (prints redacted)
 * @param account the storage account from the host; null for an rclone remote (its settings name the account)
 * @param host the URI's host ({@code <account>.blob.core.windows.net}); null for an rclone remote
 * @param container the container
 * @param key the key inside the container, percent-decoded for https URIs; empty for the whole container
 * @param sas the SAS token of the URI's query (without '?'), or null
 * @param rcloneRemote the rclone remote's name (the URI's scheme, as written), or null for an https URI
 */
record AzureLocation(
        ModelUri uri, String account, String host, String container, String key, String sas, String rcloneRemote) {

    /** Public Azure and the sovereign clouds, plus the DNS-zone ("z12") endpoints. */
    private static final Pattern HOST = Pattern.compile(
            "([a-z0-9]{1,24})\\.(?:z[0-9]{1,3}\\.blob\\.storage\\.azure\\.net"
                    + "|blob\\.core\\.(?:windows\\.net|chinacloudapi\\.cn|usgovcloudapi\\.net))(?::443)?",
            Pattern.CASE_INSENSITIVE);

    static final String FORMS = "expected https://<account>.blob.core.windows.net/<container>/<path>, "
            + "https://<account>.z<NN>.blob.storage.azure.net/<container>/<path> (a SAS token may follow as '?sv=...'), "
            + "or <remote>://<container>/<path> with RCLONE_CONFIG_<REMOTE>_TYPE=azureblob";

    /** True for an Azure Blob host name. */
    static boolean isAzureHost(String authority) {
        return HOST.matcher(authority).matches();
    }

    /** The account named by an Azure Blob host, or null when the host is not one. */
    static String accountOf(String authority) {
        Matcher m = HOST.matcher(authority);
        return m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    static AzureLocation of(ModelUri uri, String rcloneRemote) throws InvalidUriException {
        if (rcloneRemote != null) {
            String container = uri.authority();
            return new AzureLocation(uri, null, null, container, stripLeadingSlashes(uri.path()), null, rcloneRemote);
        }
        String account = accountOf(uri.authority());
        if (account == null || !uri.scheme().equals("https")) {
            throw new InvalidUriException(uri.redacted(), "not an Azure Blob Storage URI; " + FORMS);
        }
        String path = uri.path();
        int slash = path.indexOf('/');
        String container = HttpText.decodePath(slash < 0 ? path : path.substring(0, slash));
        String key = slash < 0 ? "" : HttpText.decodePath(path.substring(slash + 1));
        if (container.isEmpty()) {
            throw new InvalidUriException(uri.redacted(), "missing container; " + FORMS);
        }
        String sas = sasOf(uri.query());
        return new AzureLocation(
                uri, account, uri.authority().toLowerCase(Locale.ROOT).replace(":443", ""), container, key, sas, null);
    }

    /** The query when it looks like a SAS token (has a {@code sig} parameter), else null. */
    static String sasOf(String query) {
        if (query == null) {
            return null;
        }
        String q = query.startsWith("?") ? query.substring(1) : query;
        for (String p : q.split("&")) {
            if (p.regionMatches(true, 0, "sig=", 0, 4)) {
                return q;
            }
        }
        return null;
    }

    /** The URI with the SAS redacted, for messages. */
    String shown() {
        return uri.redacted();
    }

    private static String stripLeadingSlashes(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '/') {
            i++;
        }
        return s.substring(i);
    }

    @Override
    public String toString() {
        return "AzureLocation[" + uri.redacted() + "]";
    }
}
