package dev.storageinit.azure;

import dev.storageinit.spi.http.Signer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Shared Key for the requests this provider sends (GET and HEAD without a body): {@code x-ms-date} and the
 * HMAC-SHA256 of the documented string-to-sign, as {@code Authorization: SharedKey <account>:<signature>}.
 */
final class SharedKey implements Signer {
    private static final DateTimeFormatter RFC1123 = DateTimeFormatter.RFC_1123_DATE_TIME;

    private final String account;
    private final SecretKeySpec key;
    /** One HMAC keyed with the account key per thread: no provider lookup and key setup per request. */
    private final ThreadLocal<Mac> mac = ThreadLocal.withInitial(this::newMac);
    /** The last second formatted for x-ms-date: formatting it once a request showed in a profile of small GETs. */
    private volatile Date date;

    private record Date(long second, String text) {}

    SharedKey(AzureAuth.AccountKey auth) {
        this.account = auth.account();
        this.key = new SecretKeySpec(Base64.getDecoder().decode(auth.key()), "HmacSHA256");
    }

    @Override
    public void sign(Signer.Request r) {
        r.set("x-ms-date", now());
        StringBuilder sts = new StringBuilder(r.method())
                .append("\n\n\n\n\n\n\n\n")
                .append(r.header("If-Match").orElse(""))
                .append("\n\n\n\n");
        r.headers().forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (name.startsWith("x-ms-")) {
                sts.append(name).append(':').append(v).append('\n');
            }
        });
        sts.append('/').append(account).append(r.uri().getRawPath());
        TreeMap<String, String> query = new TreeMap<>();
        String raw = r.uri().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                query.put(
                        pair.substring(0, eq < 0 ? pair.length() : eq).toLowerCase(Locale.ROOT),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        query.forEach((k, v) -> sts.append('\n').append(k).append(':').append(v));
        r.set("Authorization", "SharedKey " + account + ":" + hmac(sts.toString()));
    }

    private String now() {
        long second = System.currentTimeMillis() / 1000;
        Date d = date;
        if (d == null || d.second() != second) {
            date = d = new Date(
                    second, RFC1123.format(ZonedDateTime.ofInstant(Instant.ofEpochSecond(second), ZoneOffset.UTC)));
        }
        return d.text();
    }

    private String hmac(String toSign) {
        return Base64.getEncoder().encodeToString(mac.get().doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
