package dev.storageinit.s3;

import dev.storageinit.ConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Trust managers that accept the JDK's default CAs plus the certificates of PEM bundle files. */
final class TrustBundles {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");

    private TrustBundles() {}

    /** The JDK's default trust anchors plus every certificate in {@code bundles}. */
    static TrustManager[] withBundles(String shownUri, List<Path> bundles) throws ConfigurationException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int n = 0;
            for (X509Certificate ca : defaultTrustManager().getAcceptedIssuers()) {
                ks.setCertificateEntry("default-" + n++, ca);
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Path bundle : bundles) {
                String text;
                try {
                    text = Files.readString(bundle, StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    throw new ConfigurationException(shownUri, "cannot read CA bundle " + bundle + ": " + e, e);
                }
                Matcher m = PEM.matcher(text);
                int found = 0;
                while (m.find()) {
                    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
                    try {
                        X509Certificate cert = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
                        ks.setCertificateEntry("bundle-" + n++, cert);
                        found++;
                    } catch (GeneralSecurityException e) {
                        throw new ConfigurationException(shownUri, "CA bundle " + bundle + " holds a certificate that"
                                + " cannot be parsed: " + e.getMessage(), e);
                    }
                }
                if (found == 0) {
                    throw new ConfigurationException(shownUri, "CA bundle " + bundle
                            + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf.getTrustManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException(shownUri, "cannot build the TLS trust store: " + e, e);
        }
    }

    private static X509TrustManager defaultTrustManager() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager) {
                return (X509TrustManager) tm;
            }
        }
        throw new GeneralSecurityException("no default X509TrustManager");
    }
}
