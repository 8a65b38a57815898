package dev.storageinit.azure;

import dev.storageinit.ConfigurationException;
import dev.storageinit.spi.support.RcloneRemote;
import dev.storageinit.spi.support.Setting;
import dev.storageinit.spi.support.Settings;
import java.util.Locale;
import java.util.Optional;

/**
 * The endpoint and credential of an rclone {@code azureblob} remote, in rclone's own order: {@code env_auth}, the
 * account key ({@code key}, or the emulator's with {@code use_emulator}), {@code sas_url}, a service principal
 * (secret, then certificate), {@code use_msi}, else anonymous.
 */
final class RcloneAzureAuth {
    private RcloneAzureAuth() {}

    static AzureAccess resolve(AzureLocation location, Settings s) throws ConfigurationException {
        String shown = location.shown();
        String p = RcloneRemote.prefixOf(location.rcloneRemote());
        String where = s.get(p + "TYPE").map(Setting::origin).orElse(s.description());
        boolean emulator = s.flag(p + "USE_EMULATOR", false);
        String account = s.string(p + "ACCOUNT").orElse(emulator ? AzureAuthResolver.EMULATOR_ACCOUNT : null);
        Optional<String> sasUrl = s.string(p + "SAS_URL");

        String endpoint;
        String endpointFrom;
        Optional<String> ep = s.string(p + "ENDPOINT");
        if (ep.isPresent() && ep.get().contains("://")) {
            endpoint = AzureChecks.endpoint(shown, ep.get(), p + "ENDPOINT");
            endpointFrom = p + "ENDPOINT";
        } else if (sasUrl.isPresent() && ep.isEmpty()) {
            endpoint = sasUrlEndpoint(shown, sasUrl.get(), location.container(), p + "SAS_URL");
            endpointFrom = p + "SAS_URL";
        } else if (emulator && ep.isEmpty()) {
            endpoint = AzureAuthResolver.EMULATOR_ENDPOINT;
            endpointFrom = p + "USE_EMULATOR";
        } else {
            if (account == null) {
                throw new ConfigurationException(
                        shown,
                        "rclone remote '" + location.rcloneRemote().toLowerCase(Locale.ROOT) + "' (" + where
                                + ") needs " + p + "ACCOUNT, " + p + "SAS_URL or " + p + "USE_EMULATOR=true");
            }
            endpoint = "https://" + account + "." + ep.orElse("blob.core.windows.net");
            endpointFrom = ep.isPresent() ? p + "ACCOUNT and " + p + "ENDPOINT" : p + "ACCOUNT";
        }
        endpointFrom += " (" + where + ")";
        return new AzureAccess(endpoint, endpointFrom, credential(shown, s, p, where, account, emulator, sasUrl));
    }

    private static AzureAuth credential(
            String shown, Settings s, String p, String where, String account, boolean emulator, Optional<String> sasUrl)
            throws ConfigurationException {
        if (s.flag(p + "ENV_AUTH", false)) {
            return AzureAuthResolver.identity(s, " via " + p + "ENV_AUTH");
        }
        Optional<String> key = s.string(p + "KEY");
        if (key.isPresent() || emulator && sasUrl.isEmpty()) {
            String k = AzureChecks.accountKey(
                    shown, key.orElse(AzureAuthResolver.EMULATOR_KEY), p + "KEY (" + where + ")");
            return new AzureAuth.AccountKey(
                    account,
                    k,
                    (key.isPresent()
                                    ? "account key in " + p + "KEY"
                                    : "the emulator's well-known key (" + p + "USE_EMULATOR)")
                            + " for account '" + account + "' (" + where + ")");
        }
        if (sasUrl.isPresent()) {
            String q = sasUrl.get();
            int qm = q.indexOf('?');
            String sas = qm < 0 ? null : AzureLocation.sasOf(q.substring(qm + 1));
            if (sas == null) {
                throw new ConfigurationException(
                        shown, p + "SAS_URL (" + where + ") holds no SAS token ('?sv=...&sig=...')");
            }
            String what = "SAS token in " + p + "SAS_URL (" + where + ")";
            return new AzureAuth.Sas(AzureChecks.sas(shown, sas, "the " + what), what);
        }
        Optional<String> tenant = s.string(p + "TENANT");
        Optional<String> clientId = s.string(p + "CLIENT_ID");
        Optional<String> secret = s.string(p + "CLIENT_SECRET");
        Optional<String> cert = s.string(p + "CLIENT_CERTIFICATE_PATH");
        if (tenant.isPresent() && clientId.isPresent() && secret.isPresent()) {
            return new AzureAuth.Token(
                    new AzureIdentity.ClientSecret(tenant.get(), clientId.get(), secret.get(), null),
                    "client secret from " + p + "TENANT/CLIENT_ID/CLIENT_SECRET (" + where + ")");
        }
        if (tenant.isPresent() && clientId.isPresent() && cert.isPresent()) {
            String password = s.string(p + "CLIENT_CERTIFICATE_PASSWORD").orElse(null);
            return new AzureAuth.Token(
                    new AzureIdentity.ClientCertificate(tenant.get(), clientId.get(), cert.get(), password, null),
                    "client certificate " + p + "CLIENT_CERTIFICATE_PATH (" + where + ")");
        }
        if (s.flag(p + "USE_MSI", false)) {
            return new AzureAuth.Token(
                    new AzureIdentity.Managed(s.string(p + "MSI_CLIENT_ID").orElse(null)),
                    "managed identity from " + p + "USE_MSI (" + where + ")");
        }
        return new AzureAuth.Anonymous("anonymous access (rclone remote with " + p + "ACCOUNT only, " + where + ")");
    }

    private static String sasUrlEndpoint(String shown, String sasUrl, String container, String name)
            throws ConfigurationException {
        int q = sasUrl.indexOf('?');
        String base = AzureChecks.stripTrailingSlashes(q < 0 ? sasUrl : sasUrl.substring(0, q));
        if (base.endsWith("/" + container)) {
            base = base.substring(0, base.length() - container.length() - 1);
        }
        return AzureChecks.endpoint(shown, base, name);
    }
}
