package dev.storageinit.azure;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.spi.support.RcloneRemote;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The endpoint and the credential chosen for one Azure source, SDK-free. Holds secrets: {@link #toString()} and
 * {@link #description()} print only which setting was used and where it came from.
 *
 * <p>Order for {@code https://} URIs (KServe's, with the URI's own SAS first since it names this URI only):
 * <ol>
 *   <li>a SAS token in the URI's query;</li>
 *   <li>{@code AZURE_CLIENT_ID} set: Azure identity, chosen by what is set next to it: {@code AZURE_CLIENT_SECRET}
 *       (client secret), {@code AZURE_CLIENT_CERTIFICATE_PATH} (certificate), {@code AZURE_FEDERATED_TOKEN_FILE}
 *       (workload identity), else managed identity for that client id;</li>
 *   <li>legacy {@code AZ_TENANT_ID} + {@code AZ_CLIENT_ID} + {@code AZ_CLIENT_SECRET} (client secret);</li>
 *   <li>{@code AZURE_STORAGE_ACCESS_KEY}: a SAS token when it has a {@code sig} parameter, else the account key;</li>
 *   <li>{@code AZURE_STORAGE_CONNECTION_STRING}: its {@code AccountKey} or {@code SharedAccessSignature};</li>
 *   <li>anonymous (public containers).</li>
 * </ol>
 * The endpoint is {@code AZURE_STORAGE_BLOB_ENDPOINT}, else the connection string's {@code BlobEndpoint} (or
 * {@code UseDevelopmentStorage=true}), else the URI's host.
 */
final class AzureAuth {
    /** The emulator's well-known account and key (public, documented by Microsoft; not a secret). */
    static final String EMULATOR_ACCOUNT = "devstoreaccount1";

    static final String EMULATOR_KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    static final String EMULATOR_ENDPOINT = "http://127.0.0.1:10000/" + EMULATOR_ACCOUNT;

    /** The provider's own variable: a blob service URL that replaces the URI's host (Azurite, private endpoints). */
    static final String ENDPOINT_VAR = "AZURE_STORAGE_BLOB_ENDPOINT";

    enum Kind {
        ANONYMOUS,
        ACCOUNT_KEY,
        SAS,
        CLIENT_SECRET,
        CLIENT_CERTIFICATE,
        WORKLOAD_IDENTITY,
        MANAGED_IDENTITY
    }

    final Kind kind;
    /** Service URL without a trailing '/', e.g. {@code https://acct.blob.core.windows.net}. */
    final String endpoint;

    final String account;
    /** Account key or SAS token (without '?'), or the client secret / certificate password. */
    final String secret;

    final String tenantId;
    final String clientId;
    /** Certificate path or federated token file. */
    final String file;

    final String authorityHost;
    private final String description;
    private final String endpointDescription;

    private AzureAuth(
            Kind kind,
            String endpoint,
            String account,
            String secret,
            String tenantId,
            String clientId,
            String file,
            String authorityHost,
            String description,
            String endpointDescription) {
        this.kind = kind;
        this.endpoint = stripTrailingSlashes(endpoint);
        this.account = account;
        this.secret = secret;
        this.tenantId = tenantId;
        this.clientId = clientId;
        this.file = file;
        this.authorityHost = authorityHost;
        this.description = description;
        this.endpointDescription = endpointDescription;
    }

    /** Which credential was used and where it was read from; never a value. */
    String description() {
        return description;
    }

    /** Where the endpoint came from. */
    String endpointDescription() {
        return endpointDescription;
    }

    @Override
    public String toString() {
        return "AzureAuth[" + kind + ", " + description + ", endpoint " + endpoint + "]";
    }

    // ------------------------------------------------------------------ resolution

    static AzureAuth resolve(AzureLocation location, CredentialSource settings) throws ConfigurationException {
        Settings s = Settings.of(settings, location.shown());
        return location.rcloneRemote() != null ? rclone(location, s) : https(location, s);
    }

    private static AzureAuth https(AzureLocation location, Settings s) throws ConfigurationException {
        String shown = location.shown();
        // endpoint
        String endpoint = "https://" + location.host();
        String endpointFrom = "the URI's host";
        Map<String, String> cs = null;
        Optional<Setting> csText = s.get("AZURE_STORAGE_CONNECTION_STRING");
        if (csText.isPresent()) {
            cs = parseConnectionString(csText.get().value());
        }
        Optional<Setting> override = s.get(ENDPOINT_VAR);
        if (override.isPresent()) {
            endpoint = checkEndpoint(shown, override.get().value(), ENDPOINT_VAR);
            endpointFrom = override.get().toString();
        } else if (cs != null) {
            String blobEndpoint = connectionStringEndpoint(cs);
            if (blobEndpoint != null) {
                String otherAccount = AzureLocation.accountOf(hostOf(blobEndpoint));
                if (otherAccount == null || otherAccount.equals(location.account())) {
                    endpoint = checkEndpoint(shown, blobEndpoint, "AZURE_STORAGE_CONNECTION_STRING's BlobEndpoint");
                    endpointFrom = "AZURE_STORAGE_CONNECTION_STRING's BlobEndpoint ("
                            + csText.get().origin() + ")";
                }
            }
        }
        String account = location.account();

        if (location.sas() != null) {
            return new AzureAuth(
                    Kind.SAS,
                    endpoint,
                    account,
                    checkSas(shown, location.sas(), "the SAS token in the URI"),
                    null,
                    null,
                    null,
                    null,
                    "the SAS token in the URI",
                    endpointFrom);
        }
        if (s.has("AZURE_CLIENT_ID")) {
            return identity(s, endpoint, account, endpointFrom, "");
        }
        Optional<Setting> azTenant = s.get("AZ_TENANT_ID");
        Optional<Setting> azClient = s.get("AZ_CLIENT_ID");
        Optional<Setting> azSecret = s.get("AZ_CLIENT_SECRET");
        if (azTenant.isPresent() && azClient.isPresent() && azSecret.isPresent()) {
            return new AzureAuth(
                    Kind.CLIENT_SECRET,
                    endpoint,
                    account,
                    azSecret.get().value(),
                    azTenant.get().value(),
                    azClient.get().value(),
                    null,
                    s.string("AZURE_AUTHORITY_HOST").orElse(null),
                    "client secret from AZ_TENANT_ID/AZ_CLIENT_ID/" + azSecret.get(),
                    endpointFrom);
        }
        Optional<Setting> accessKey = s.get("AZURE_STORAGE_ACCESS_KEY");
        if (accessKey.isPresent()) {
            return keyOrSas(shown, accessKey.get(), endpoint, account, endpointFrom);
        }
        if (cs != null) {
            String from = csText.get().toString();
            String csSas = cs.get("sharedaccesssignature");
            if (csSas != null) {
                return new AzureAuth(
                        Kind.SAS,
                        endpoint,
                        account,
                        checkSas(shown, stripQuestionMark(csSas), "the SharedAccessSignature of " + from),
                        null,
                        null,
                        null,
                        null,
                        "SharedAccessSignature of " + from,
                        endpointFrom);
            }
            String key = cs.get("accountkey");
            String name = cs.get("accountname");
            if ("true".equalsIgnoreCase(cs.get("usedevelopmentstorage"))) {
                key = EMULATOR_KEY;
                name = EMULATOR_ACCOUNT;
            }
            if (key != null) {
                checkBase64(shown, key, "the AccountKey of AZURE_STORAGE_CONNECTION_STRING");
                return new AzureAuth(
                        Kind.ACCOUNT_KEY,
                        endpoint,
                        name != null ? name : account,
                        key,
                        null,
                        null,
                        null,
                        null,
                        "account key of " + from,
                        endpointFrom);
            }
            throw new ConfigurationException(shown, from + " has neither AccountKey nor SharedAccessSignature");
        }
        return new AzureAuth(
                Kind.ANONYMOUS,
                endpoint,
                account,
                null,
                null,
                null,
                null,
                null,
                "anonymous access (no Azure credential found in " + s.description() + ")",
                endpointFrom);
    }

    /** Azure identity from AZURE_* variables (also rclone's env_auth). */
    private static AzureAuth identity(Settings s, String endpoint, String account, String endpointFrom, String via)
            throws ConfigurationException {
        Optional<Setting> client = s.get("AZURE_CLIENT_ID");
        Optional<Setting> tenantSetting = s.get("AZURE_TENANT_ID");
        String clientId = client.map(Setting::value).orElse(null);
        String tenant = tenantSetting.map(Setting::value).orElse(null);
        String authority = s.string("AZURE_AUTHORITY_HOST").orElse(null);
        String from = " ("
                + (client.isPresent() ? client : tenantSetting)
                        .map(Setting::origin)
                        .orElse(s.description()) + ")" + via;
        Optional<String> secret = s.string("AZURE_CLIENT_SECRET");
        Optional<String> cert = s.string("AZURE_CLIENT_CERTIFICATE_PATH");
        Optional<String> tokenFile = s.string("AZURE_FEDERATED_TOKEN_FILE");
        if (clientId != null && tenant != null && secret.isPresent()) {
            return new AzureAuth(
                    Kind.CLIENT_SECRET,
                    endpoint,
                    account,
                    secret.get(),
                    tenant,
                    clientId,
                    null,
                    authority,
                    "Azure identity: client secret from AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET" + from,
                    endpointFrom);
        }
        if (clientId != null && tenant != null && cert.isPresent()) {
            return new AzureAuth(
                    Kind.CLIENT_CERTIFICATE,
                    endpoint,
                    account,
                    s.string("AZURE_CLIENT_CERTIFICATE_PASSWORD").orElse(null),
                    tenant,
                    clientId,
                    cert.get(),
                    authority,
                    "Azure identity: client certificate AZURE_CLIENT_CERTIFICATE_PATH=" + cert.get() + from,
                    endpointFrom);
        }
        if (clientId != null && tokenFile.isPresent()) {
            return new AzureAuth(
                    Kind.WORKLOAD_IDENTITY,
                    endpoint,
                    account,
                    null,
                    tenant,
                    clientId,
                    tokenFile.get(),
                    authority,
                    "Azure identity: workload identity AZURE_FEDERATED_TOKEN_FILE=" + tokenFile.get() + from,
                    endpointFrom);
        }
        return new AzureAuth(
                Kind.MANAGED_IDENTITY,
                endpoint,
                account,
                null,
                tenant,
                clientId,
                null,
                authority,
                "Azure identity: managed identity" + (clientId != null ? " for AZURE_CLIENT_ID" : " (system-assigned)")
                        + from,
                endpointFrom);
    }

    private static AzureAuth keyOrSas(
            String shown, Setting setting, String endpoint, String account, String endpointFrom)
            throws ConfigurationException {
        String value = setting.value();
        if (AzureLocation.sasOf(value) != null) {
            return new AzureAuth(
                    Kind.SAS,
                    endpoint,
                    account,
                    checkSas(shown, stripQuestionMark(value), "the SAS token in " + setting),
                    null,
                    null,
                    null,
                    null,
                    "SAS token in " + setting,
                    endpointFrom);
        }
        checkBase64(shown, value, setting.toString());
        return new AzureAuth(
                Kind.ACCOUNT_KEY,
                endpoint,
                account,
                value,
                null,
                null,
                null,
                null,
                "account key in " + setting.name() + " for account '" + account + "' (" + setting.origin() + ")",
                endpointFrom);
    }

    // ------------------------------------------------------------------ rclone

    private static AzureAuth rclone(AzureLocation location, Settings s) throws ConfigurationException {
        String shown = location.shown();
        String p = RcloneRemote.prefixOf(location.rcloneRemote());
        String where = s.get(p + "TYPE").map(Setting::origin).orElse(s.description());
        boolean emulator = s.flag(p + "USE_EMULATOR", false);
        String account = s.string(p + "ACCOUNT").orElse(emulator ? EMULATOR_ACCOUNT : null);
        Optional<String> sasUrl = s.string(p + "SAS_URL");

        String endpoint;
        String endpointFrom;
        Optional<String> ep = s.string(p + "ENDPOINT");
        if (ep.isPresent() && ep.get().contains("://")) {
            endpoint = checkEndpoint(shown, ep.get(), p + "ENDPOINT");
            endpointFrom = p + "ENDPOINT";
        } else if (sasUrl.isPresent() && ep.isEmpty()) {
            endpoint = sasUrlEndpoint(shown, sasUrl.get(), location.container(), p + "SAS_URL");
            endpointFrom = p + "SAS_URL";
        } else if (emulator && ep.isEmpty()) {
            endpoint = EMULATOR_ENDPOINT;
            endpointFrom = p + "USE_EMULATOR";
        } else {
            if (account == null) {
                throw new ConfigurationException(
                        shown,
                        "rclone remote '" + location.rcloneRemote().toLowerCase(Locale.ROOT) + "' (" + where
                                + ") needs " + p + "ACCOUNT, " + p + "SAS_URL or " + p
                                + "USE_EMULATOR=true");
            }
            endpoint = "https://" + account + "." + ep.orElse("blob.core.windows.net");
            endpointFrom = ep.isPresent() ? p + "ACCOUNT and " + p + "ENDPOINT" : p + "ACCOUNT";
        }
        endpointFrom += " (" + where + ")";

        if (s.flag(p + "ENV_AUTH", false)) {
            return identity(s, endpoint, account, endpointFrom, " via " + p + "ENV_AUTH");
        }
        Optional<String> key = s.string(p + "KEY");
        if (key.isPresent() || emulator && sasUrl.isEmpty()) {
            String k = key.orElse(EMULATOR_KEY);
            checkBase64(shown, k, p + "KEY (" + where + ")");
            return new AzureAuth(
                    Kind.ACCOUNT_KEY,
                    endpoint,
                    account,
                    k,
                    null,
                    null,
                    null,
                    null,
                    (key.isPresent()
                                    ? "account key in " + p + "KEY"
                                    : "the emulator's well-known key (" + p + "USE_EMULATOR)")
                            + " for account '" + account + "' (" + where + ")",
                    endpointFrom);
        }
        if (sasUrl.isPresent()) {
            String q = sasUrl.get();
            int qm = q.indexOf('?');
            String sas = qm < 0 ? null : AzureLocation.sasOf(q.substring(qm + 1));
            if (sas == null) {
                throw new ConfigurationException(
                        shown, p + "SAS_URL (" + where + ") holds no SAS token ('?sv=...&sig=...')");
            }
            return new AzureAuth(
                    Kind.SAS,
                    endpoint,
                    account,
                    checkSas(shown, sas, "the SAS token in " + p + "SAS_URL (" + where + ")"),
                    null,
                    null,
                    null,
                    null,
                    "SAS token in " + p + "SAS_URL (" + where + ")",
                    endpointFrom);
        }
        Optional<String> tenant = s.string(p + "TENANT");
        Optional<String> clientId = s.string(p + "CLIENT_ID");
        Optional<String> secret = s.string(p + "CLIENT_SECRET");
        Optional<String> cert = s.string(p + "CLIENT_CERTIFICATE_PATH");
        if (tenant.isPresent() && clientId.isPresent() && secret.isPresent()) {
            return new AzureAuth(
                    Kind.CLIENT_SECRET,
                    endpoint,
                    account,
                    secret.get(),
                    tenant.get(),
                    clientId.get(),
                    null,
                    null,
                    "client secret from " + p + "TENANT/CLIENT_ID/CLIENT_SECRET (" + where + ")",
                    endpointFrom);
        }
        if (tenant.isPresent() && clientId.isPresent() && cert.isPresent()) {
            return new AzureAuth(
                    Kind.CLIENT_CERTIFICATE,
                    endpoint,
                    account,
                    s.string(p + "CLIENT_CERTIFICATE_PASSWORD").orElse(null),
                    tenant.get(),
                    clientId.get(),
                    cert.get(),
                    null,
                    "client certificate " + p + "CLIENT_CERTIFICATE_PATH (" + where + ")",
                    endpointFrom);
        }
        if (s.flag(p + "USE_MSI", false)) {
            String msiClient = s.string(p + "MSI_CLIENT_ID").orElse(null);
            return new AzureAuth(
                    Kind.MANAGED_IDENTITY,
                    endpoint,
                    account,
                    null,
                    null,
                    msiClient,
                    null,
                    null,
                    "managed identity from " + p + "USE_MSI (" + where + ")",
                    endpointFrom);
        }
        return new AzureAuth(
                Kind.ANONYMOUS,
                endpoint,
                account,
                null,
                null,
                null,
                null,
                null,
                "anonymous access (rclone remote with " + p + "ACCOUNT only, " + where + ")",
                endpointFrom);
    }

    private static String sasUrlEndpoint(String shown, String sasUrl, String container, String name)
            throws ConfigurationException {
        int q = sasUrl.indexOf('?');
        String base = stripTrailingSlashes(q < 0 ? sasUrl : sasUrl.substring(0, q));
        if (base.endsWith("/" + container)) {
            base = base.substring(0, base.length() - container.length() - 1);
        }
        return checkEndpoint(shown, base, name);
    }

    // ------------------------------------------------------------------ helpers

    /** Connection-string fields by lower-case name; values may contain '='. */
    static Map<String, String> parseConnectionString(String cs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : cs.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(
                        part.substring(0, eq).trim().toLowerCase(Locale.ROOT),
                        part.substring(eq + 1).trim());
            }
        }
        return out;
    }

    /** The blob service URL a connection string names explicitly, or null. */
    static String connectionStringEndpoint(Map<String, String> cs) {
        String blob = cs.get("blobendpoint");
        if (blob != null && !blob.isEmpty()) {
            return blob;
        }
        if ("true".equalsIgnoreCase(cs.get("usedevelopmentstorage"))) {
            String proxy = cs.get("developmentstorageproxyuri");
            return proxy != null ? stripTrailingSlashes(proxy) + ":10000/" + EMULATOR_ACCOUNT : EMULATOR_ENDPOINT;
        }
        return null;
    }

    private static String checkEndpoint(String shown, String url, String name) throws ConfigurationException {
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
                    name + " must not carry a query (put a SAS token in the URI or " + "in AZURE_STORAGE_ACCESS_KEY)");
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
    private static String checkSas(String shown, String sas, String what) throws ConfigurationException {
        String prefix = "http://h/?";
        try {
            new URI(prefix + sas);
        } catch (URISyntaxException e) {
            throw new ConfigurationException(
                    shown,
                    what + " is not a valid URL query (" + e.getReason()
                            + " at character " + (e.getIndex() - prefix.length() + 1)
                            + "; percent-encode it as the portal "
                            + "does)");
        }
        for (int i = 0; i < sas.length(); i++) {
            if (sas.charAt(i) > 0x7e) {
                throw new ConfigurationException(
                        shown,
                        what + " is not a valid URL query (non-ASCII character " + "at character " + (i + 1)
                                + "; percent-encode it as the portal does)");
            }
        }
        return sas;
    }

    static String hostOf(String url) {
        int s = url.indexOf("://");
        String rest = s < 0 ? url : url.substring(s + 3);
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    private static void checkBase64(String shown, String key, String what) throws ConfigurationException {
        try {
            if (Base64.getDecoder().decode(key).length == 0) {
                throw new IllegalArgumentException("empty");
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(
                    shown, what + " is neither a base64 account key nor a SAS token " + "('sv=...&sig=...')");
        }
    }

    private static String stripQuestionMark(String s) {
        return s.startsWith("?") ? s.substring(1) : s;
    }

    private static String stripTrailingSlashes(String s) {
        if (s == null) {
            return null;
        }
        String out = s;
        while (out.endsWith("/")) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }
}
