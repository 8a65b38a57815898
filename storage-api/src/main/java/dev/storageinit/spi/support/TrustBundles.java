package dev.storageinit.spi.support;

import dev.storageinit.ConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Extra certificate authorities for https providers, so that every provider honours the same settings the same
 * way: KServe's cluster-wide bundle ({@code CA_BUNDLE_CONFIGMAP_NAME} set means trust
 * {@code $CA_BUNDLE_VOLUME_MOUNT_POINT/cabundle.crt}, default mount {@code /etc/ssl/custom-certs}) and any
 * provider-specific bundle (S3's {@code AWS_CA_BUNDLE}), always in addition to the JDK's default trust store.
 */
public final class TrustBundles {
    /** Setting whose presence turns the cluster CA bundle on. */
    public static final String CONFIGMAP_NAME = "CA_BUNDLE_CONFIGMAP_NAME";
    /** Setting naming the directory the cluster CA bundle is mounted in. */
    public static final String VOLUME_MOUNT_POINT = "CA_BUNDLE_VOLUME_MOUNT_POINT";
    /** Default mount of the cluster CA bundle. */
    public static final String DEFAULT_MOUNT_POINT = "/etc/ssl/custom-certs";

    private static final Pattern PEM =
            Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");

    private TrustBundles() {}

    /** The cluster CA bundle file when {@value #CONFIGMAP_NAME} is set, else empty. */
    public static Optional<Path> clusterBundle(Settings settings) throws ConfigurationException {
        if (!settings.has(CONFIGMAP_NAME)) {
            return Optional.empty();
        }
        Path mount = settings.path(VOLUME_MOUNT_POINT).orElse(Path.of(DEFAULT_MOUNT_POINT));
        return Optional.of(mount.resolve("cabundle.crt"));
    }

    /**
     * A TLS context trusting the JDK's default authorities plus every certificate in {@code bundles}.
     *
     * @param uri the redacted source URI, for messages
     * @param origin why these bundles are used, for messages (e.g. "AWS_CA_BUNDLE is set")
     * @throws ConfigurationException naming the file when one is missing, unreadable or holds no certificate
     */
    public static SSLContext trustingDefaultsAnd(String uri, List<Path> bundles, String origin)
            throws ConfigurationException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trustManagers(uri, bundles, origin), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ConfigurationException(uri, "cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Trust managers accepting the JDK's default authorities plus every certificate in {@code bundles}: PEM files
     * (text around the {@code BEGIN/END CERTIFICATE} blocks is ignored, as in the system bundles) or DER files.
     *
     * @see #trustingDefaultsAnd(String, List, String)
     */
    public static TrustManager[] trustManagers(String uri, List<Path> bundles, String origin)
            throws ConfigurationException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            int i = 0;
            for (TrustManager tm : defaults.getTrustManagers()) {
                if (tm instanceof X509TrustManager) {
                    for (X509Certificate c : ((X509TrustManager) tm).getAcceptedIssuers()) {
                        store.setCertificateEntry("default-" + i++, c);
                    }
                }
            }
            for (Path bundle : bundles) {
                for (Certificate c : certificates(uri, bundle, origin)) {
                    store.setCertificateEntry("bundle-" + i++, c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf.getTrustManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException(uri, "cannot set up TLS trust: " + e.getMessage(), e);
        }
    }

    private static List<Certificate> certificates(String uri, Path bundle, String origin)
            throws ConfigurationException {
        byte[] content;
        try {
            content = Files.readAllBytes(bundle);
        } catch (NoSuchFileException e) {
            throw new ConfigurationException(uri, "CA bundle " + bundle + " does not exist (" + origin + ")");
        } catch (IOException e) {
            throw new ConfigurationException(uri, "cannot read CA bundle " + bundle + " (" + origin + "): " + e, e);
        }
        List<Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher pem = PEM.matcher(new String(content, StandardCharsets.US_ASCII));
            while (pem.find()) {
                byte[] der = Base64.getMimeDecoder().decode(pem.group(1));
                certs.add(factory.generateCertificate(new ByteArrayInputStream(der)));
            }
            if (certs.isEmpty()) {
                certs.addAll(factory.generateCertificates(new ByteArrayInputStream(content)));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigurationException(
                    uri,
                    "CA bundle " + bundle + " (" + origin + ") holds a certificate that cannot be parsed: "
                            + e.getMessage(),
                    e);
        }
        if (certs.isEmpty()) {
            throw new ConfigurationException(uri, "CA bundle " + bundle + " holds no certificate (" + origin + ")");
        }
        return certs;
    }
}
