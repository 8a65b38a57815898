package dev.storageinit.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * The SDK's {@code url-connection-client} (JDK {@link HttpURLConnection}) with connections we open ourselves, so
 * that TLS is set up only when an https connection is actually made: the SDK's own factory loads the JDK trust
 * store and initialises an SSLContext when the client is built, even for a plain-http endpoint (a good part of the
 * client's start-up on this machine). With a proxy configured (system properties or the usual environment
 * variables) the SDK's own factory is used, since it knows how to apply them.
 */
final class UrlConnections {
    /** The JDK keeps at most this many idle connections per host unless told otherwise (default 5). */
    private UrlConnections() {}

    /** Opens a connection to a URL with the client's timeouts and TLS settings. */
    interface Opener {
        HttpURLConnection open(URL url) throws IOException;
    }

    /** The connections we open ourselves; null when a proxy is configured, whose settings only the SDK applies. */
    static Opener opener(S3Settings s, TrustManager[] trust, int pool) {
        if (proxyConfigured()) {
            return null;
        }
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, s.connectTimeout.toMillis());
        int readMillis = (int) Math.min(Integer.MAX_VALUE, s.readTimeout.toMillis());
        LazyTls tls = new LazyTls(s.verifySsl ? trust : new TrustManager[] {TrustAll.INSTANCE});
        return url -> open(url, connectMillis, readMillis, tls, s.verifySsl);
    }

    /** The SDK's client on {@code opener}'s connections, or on its own factory when {@code opener} is null. */
    static SdkHttpClient client(S3Settings s, TrustManager[] trust, Opener opener) {
        if (opener == null) {
            UrlConnectionHttpClient.Builder b = UrlConnectionHttpClient.builder()
                    .connectionTimeout(s.connectTimeout)
                    .socketTimeout(s.readTimeout);
            if (trust != null) {
                b.tlsTrustManagersProvider(() -> trust);
            }
            return b.buildWithDefaults(
                    s.verifySsl
                            ? AttributeMap.empty()
                            : AttributeMap.builder()
                                    .put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE)
                                    .build());
        }
        return UrlConnectionHttpClient.create(uri -> {
            try {
                return opener.open(uri.toURL());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static HttpURLConnection open(URL url, int connectMillis, int readMillis, LazyTls tls, boolean verify)
            throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        c.setConnectTimeout(connectMillis);
        c.setReadTimeout(readMillis);
        if (c instanceof HttpsURLConnection) {
            HttpsURLConnection h = (HttpsURLConnection) c;
            SSLSocketFactory f = tls.factory();
            if (f != null) {
                h.setSSLSocketFactory(f);
            }
            if (!verify) {
                h.setHostnameVerifier((host, session) -> true);
            }
        }
        return c;
    }

    private static boolean proxyConfigured() {
        for (String p : new String[] {"http.proxyHost", "https.proxyHost", "socksProxyHost"}) {
            if (System.getProperty(p) != null) {
                return true;
            }
        }
        for (String e : new String[] {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"}) {
            String v = System.getenv(e);
            if (v != null && !v.isBlank()) {
                return true;
            }
        }
        return false;
    }

    /** An SSLSocketFactory made on first use; null means the JDK default. */
    private static final class LazyTls {
        private final TrustManager[] trust;
        private volatile SSLSocketFactory factory;

        LazyTls(TrustManager[] trust) {
            this.trust = trust;
        }

        SSLSocketFactory factory() throws IOException {
            if (trust == null) {
                return null;
            }
            SSLSocketFactory f = factory;
            if (f == null) {
                synchronized (this) {
                    f = factory;
                    if (f == null) {
                        try {
                            SSLContext ctx = SSLContext.getInstance("TLS");
                            ctx.init(null, trust, null);
                            factory = f = ctx.getSocketFactory();
                        } catch (GeneralSecurityException e) {
                            throw new SSLException("cannot set up TLS: " + e, e);
                        }
                    }
                }
            }
            return f;
        }
    }

    /** For S3_VERIFY_SSL=0/false only. */
    private static final class TrustAll implements X509TrustManager {
        static final TrustAll INSTANCE = new TrustAll();

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
