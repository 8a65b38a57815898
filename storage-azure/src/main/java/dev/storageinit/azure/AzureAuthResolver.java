package dev.storageinit.azure;

import dev.storageinit.ConfigurationException;
import dev.storageinit.CredentialSource;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the endpoint and the credential of one Azure source from its settings; rclone remotes are read by
 * {@link RcloneAzureAuth}.
 *
 * <p>Order for {@code https://} URIs (KServe's, with the URI's own SAS first since it names this URI only):
 * <ol>
 *   <li>a SAS token in the URI's query;</li>
 *   <li>{@code AZURE_CLIENT_ID} set: Azure identity, chosen by what is set next to it: {@code AZURE_CLIENT_SECRET}
 *       (client secret), {@code AZURE_CLIENT_CERTIFICATE_PATH} (certificate), {@code AZURE_FEDERATED_TOKEN_FILE}
 *       (workload identity), else managed identity for that client id;</li>
 *   <li>legacy {@code AZ_TENANT_ID} + {@code AZ_CLIENT_ID} + {@code AZ_CLIENT_SECRET} (client secret);</li>
 *   <li>{@code AZURE_STORAGE_ACCESS_KEY}: a SAS token when it has a {@code sig} parameter, else the account key;</li>
 *   <li>{@code AZURE_STORAGE_CONNECTION_STRING}: its {@code SharedAccessSignature} or {@code AccountKey};</li>
 *   <li>anonymous (public containers).</li>
 * </ol>
 * The endpoint is {@code AZURE_STORAGE_BLOB_ENDPOINT}, else the connection string's {@code BlobEndpoint} (or
 * {@code UseDevelopmentStorage=true}), else the URI's host. Tokens need an https endpoint.
 */
final class AzureAuthResolver {
    /** The emulator's well-known account and key (public, documented by Microsoft; not a secret). */
    static final String EMULATOR_ACCOUNT = "devstoreaccount1";

    static final String EMULATOR_KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    static final String EMULATOR_ENDPOINT = "http://127.0.0.1:10000/" + EMULATOR_ACCOUNT;

    /** The provider's own variable: a blob service URL that replaces the URI's host (Azurite, private endpoints). */
    static final String ENDPOINT_VAR = "AZURE_STORAGE_BLOB_ENDPOINT";

    private static final String CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING";

    private AzureAuthResolver() {}

    static AzureAccess resolve(AzureLocation location, CredentialSource settings) throws ConfigurationException {
        Settings s = Settings.of(settings, location.shown());
        AzureAccess access =
                location.rcloneRemote() != null ? RcloneAzureAuth.resolve(location, s) : https(location, s);
        if (access.auth() instanceof AzureAuth.Token && access.endpoint().startsWith("http://")) {
            throw new ConfigurationException(
                    location.shown(),
                    "Azure identity tokens need an https endpoint, and " + access.endpointDescription() + " gives "
                            + access.endpoint());
        }
        return access;
    }

    private static AzureAccess https(AzureLocation location, Settings s) throws ConfigurationException {
        String shown = location.shown();
        Optional<Setting> csText = s.get(CONNECTION_STRING);
        Map<String, String> cs =
                csText.isPresent() ? parseConnectionString(csText.get().value()) : null;
        String endpoint = "https://" + location.host();
        String endpointFrom = "the URI's host";
        Optional<Setting> override = s.get(ENDPOINT_VAR);
        String blobEndpoint = cs == null ? null : connectionStringEndpoint(cs);
        if (override.isPresent()) {
            endpoint = AzureChecks.endpoint(shown, override.get().value(), ENDPOINT_VAR);
            endpointFrom = override.get().toString();
        } else if (blobEndpoint != null) {
            String otherAccount = AzureLocation.accountOf(AzureChecks.hostOf(blobEndpoint));
            if (otherAccount == null || otherAccount.equals(location.account())) {
                endpoint = AzureChecks.endpoint(shown, blobEndpoint, CONNECTION_STRING + "'s BlobEndpoint");
                endpointFrom =
                        CONNECTION_STRING + "'s BlobEndpoint (" + csText.get().origin() + ")";
            }
        }
        return new AzureAccess(endpoint, endpointFrom, credential(location, s, csText, cs));
    }

    private static AzureAuth credential(
            AzureLocation location, Settings s, Optional<Setting> csText, Map<String, String> cs)
            throws ConfigurationException {
        String shown = location.shown();
        if (location.sas() != null) {
            String what = "the SAS token in the URI";
            return new AzureAuth.Sas(AzureChecks.sas(shown, location.sas(), what), what);
        }
        if (s.has("AZURE_CLIENT_ID")) {
            return identity(s, "");
        }
        Optional<Setting> azTenant = s.get("AZ_TENANT_ID");
        Optional<Setting> azClient = s.get("AZ_CLIENT_ID");
        Optional<Setting> azSecret = s.get("AZ_CLIENT_SECRET");
        if (azTenant.isPresent() && azClient.isPresent() && azSecret.isPresent()) {
            return new AzureAuth.Token(
                    new AzureIdentity.ClientSecret(
                            azTenant.get().value(),
                            azClient.get().value(),
                            azSecret.get().value(),
                            s.string("AZURE_AUTHORITY_HOST").orElse(null)),
                    "client secret from AZ_TENANT_ID/AZ_CLIENT_ID/" + azSecret.get());
        }
        Optional<Setting> accessKey = s.get("AZURE_STORAGE_ACCESS_KEY");
        if (accessKey.isPresent()) {
            return keyOrSas(shown, accessKey.get(), location.account());
        }
        if (cs != null) {
            return connectionString(shown, csText.get(), cs, location.account());
        }
        return new AzureAuth.Anonymous("anonymous access (no Azure credential found in " + s.description() + ")");
    }

    /** Azure identity from the {@code AZURE_*} variables (also rclone's {@code env_auth}, named in {@code via}). */
    static AzureAuth.Token identity(Settings s, String via) throws ConfigurationException {
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
            return new AzureAuth.Token(
                    new AzureIdentity.ClientSecret(tenant, clientId, secret.get(), authority),
                    "Azure identity: client secret from AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET" + from);
        }
        if (clientId != null && tenant != null && cert.isPresent()) {
            String password = s.string("AZURE_CLIENT_CERTIFICATE_PASSWORD").orElse(null);
            return new AzureAuth.Token(
                    new AzureIdentity.ClientCertificate(tenant, clientId, cert.get(), password, authority),
                    "Azure identity: client certificate AZURE_CLIENT_CERTIFICATE_PATH=" + cert.get() + from);
        }
        if (clientId != null && tokenFile.isPresent()) {
            return new AzureAuth.Token(
                    new AzureIdentity.Workload(tenant, clientId, tokenFile.get(), authority),
                    "Azure identity: workload identity AZURE_FEDERATED_TOKEN_FILE=" + tokenFile.get() + from);
        }
        return new AzureAuth.Token(
                new AzureIdentity.Managed(clientId),
                "Azure identity: managed identity" + (clientId != null ? " for AZURE_CLIENT_ID" : " (system-assigned)")
                        + from);
    }

    private static AzureAuth keyOrSas(String shown, Setting setting, String account) throws ConfigurationException {
        String value = setting.value();
        if (AzureLocation.sasOf(value) != null) {
            String sas = AzureChecks.stripQuestionMark(value);
            return new AzureAuth.Sas(
                    AzureChecks.sas(shown, sas, "the SAS token in " + setting), "SAS token in " + setting);
        }
        return new AzureAuth.AccountKey(
                account,
                AzureChecks.accountKey(shown, value, setting.toString()),
                "account key in " + setting.name() + " for account '" + account + "' (" + setting.origin() + ")");
    }

    private static AzureAuth connectionString(String shown, Setting setting, Map<String, String> cs, String account)
            throws ConfigurationException {
        String from = setting.toString();
        String csSas = cs.get("sharedaccesssignature");
        if (csSas != null) {
            String sas = AzureChecks.stripQuestionMark(csSas);
            return new AzureAuth.Sas(
                    AzureChecks.sas(shown, sas, "the SharedAccessSignature of " + from),
                    "SharedAccessSignature of " + from);
        }
        String key = cs.get("accountkey");
        String name = cs.get("accountname");
        if ("true".equalsIgnoreCase(cs.get("usedevelopmentstorage"))) {
            key = EMULATOR_KEY;
            name = EMULATOR_ACCOUNT;
        }
        if (key == null) {
            throw new ConfigurationException(shown, from + " has neither AccountKey nor SharedAccessSignature");
        }
        return new AzureAuth.AccountKey(
                name != null ? name : account,
                AzureChecks.accountKey(shown, key, "the AccountKey of " + CONNECTION_STRING),
                "account key of " + from);
    }

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
            return proxy != null
                    ? AzureChecks.stripTrailingSlashes(proxy) + ":10000/" + EMULATOR_ACCOUNT
                    : EMULATOR_ENDPOINT;
        }
        return null;
    }
}
