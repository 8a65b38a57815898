package dev.storageinit.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * AWS Signature Version 4 for the body-less GETs of {@link DirectGets}, as S3 wants it: the path signed as sent (no
 * normalisation, no second encoding), no query, the empty body's SHA-256 as {@code x-amz-content-sha256}, and
 * {@code host}, {@code if-match}, {@code range} and the {@code x-amz-*} headers signed (the same headers, and so the
 * same signature, as the SDK's {@code AwsV4HttpSigner}). The signing key is derived once per day and credentials,
 * not with four HMACs per request, and the HMAC and SHA-256 instances are kept per thread: the SDK's signer, with
 * its builders and checksum pipeline, took 40 % of the CPU of a small object's GET in a JFR profile of 2,000 4 KiB
 * objects.
 */
final class GetSigner {
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final HexFormat HEX = HexFormat.of();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    });
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing from the JDK", e);
        }
    });

    /** The headers a signed GET carries besides {@code Host}, {@code Range} and {@code If-Match}. */
    record Signed(String amzDate, String securityToken, String authorization) {}

    /** A derived key: valid for one day, region, service and secret. */
    private record Key(String date, String secret, byte[] key) {
        @Override
        public String toString() {
            return "signing key of " + date; // never the secret
        }
    }

    private final String region;
    private final String service;
    private final String scopeSuffix;
    private volatile Key key;

    GetSigner(String region, String service) {
        this.region = region;
        this.service = service;
        this.scopeSuffix = "/" + region + "/" + service + "/aws4_request";
    }

    /**
     * Signs {@code GET encodedPath}.
     *
     * @param hostHeader the Host header as sent: the host, and {@code :port} unless it is the scheme's default
     * @param ifMatch the If-Match value, or null for none
     */
    Signed sign(
            AwsCredentials credentials,
            Instant now,
            String hostHeader,
            String encodedPath,
            String range,
            String ifMatch) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(now.getEpochSecond(), 0, ZoneOffset.UTC);
        String date = digits(t.getYear(), 4) + digits(t.getMonthValue(), 2) + digits(t.getDayOfMonth(), 2);
        String amzDate =
                date + "T" + digits(t.getHour(), 2) + digits(t.getMinute(), 2) + digits(t.getSecond(), 2) + "Z";
        String token = credentials instanceof AwsSessionCredentials s ? s.sessionToken() : null;
        String signedHeaders = "host;" + (ifMatch == null ? "" : "if-match;") + "range;x-amz-content-sha256;x-amz-date"
                + (token == null ? "" : ";x-amz-security-token");
        StringBuilder canonical = new StringBuilder(256 + encodedPath.length())
                .append("GET\n")
                .append(encodedPath)
                .append("\n\nhost:")
                .append(hostHeader.trim())
                .append('\n');
        if (ifMatch != null) {
            canonical.append("if-match:").append(ifMatch.trim()).append('\n');
        }
        canonical
                .append("range:")
                .append(range.trim())
                .append("\nx-amz-content-sha256:")
                .append(EMPTY_SHA256)
                .append("\nx-amz-date:")
                .append(amzDate)
                .append('\n');
        if (token != null) {
            canonical.append("x-amz-security-token:").append(token.trim()).append('\n');
        }
        canonical.append('\n').append(signedHeaders).append('\n').append(EMPTY_SHA256);
        String scope = date + scopeSuffix;
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + HEX.formatHex(SHA256.get().digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        String signature = HEX.formatHex(hmac(signingKey(date, credentials.secretAccessKey()), stringToSign));
        return new Signed(
                amzDate,
                token,
                ALGORITHM + " Credential=" + credentials.accessKeyId() + "/" + scope + ", SignedHeaders="
                        + signedHeaders + ", Signature=" + signature);
    }

    private byte[] signingKey(String date, String secret) {
        Key k = key;
        if (k == null || !k.date().equals(date) || !k.secret().equals(secret)) {
            byte[] derived = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
            derived = hmac(derived, region);
            derived = hmac(derived, service);
            derived = hmac(derived, "aws4_request");
            key = k = new Key(date, secret, derived);
        }
        return k.key();
    }

    private static byte[] hmac(byte[] key, String data) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise HmacSHA256", e);
        }
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String digits(int value, int width) {
        char[] c = new char[width];
        Arrays.fill(c, '0');
        for (int i = width - 1; i >= 0 && value > 0; i--, value /= 10) {
            c[i] = (char) ('0' + value % 10);
        }
        return new String(c);
    }
}
