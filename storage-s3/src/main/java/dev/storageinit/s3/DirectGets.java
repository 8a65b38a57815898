package dev.storageinit.s3;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Object reads sent straight through the SDK's HTTP client and signed by {@link GetSigner} (SigV4, as the SDK's
 * signer signs them), skipping the S3 client's per-request pipeline (endpoint rules, interceptors, marshalling),
 * which costs about as much CPU as the request itself: the CLI used 7.0 CPU-seconds for the benchmark's 2,000 small
 * objects through the S3 client, 4.3 through this class.
 *
 * <p>Nothing about the bucket's address is worked out here: as an {@link ExecutionInterceptor} on the S3 client,
 * this class learns it from the first successful ListObjectsV2 the SDK sent (scheme, host, port, the bucket's path
 * prefix for path-style addressing, and the region and service the SDK signed for, read off its SigV4
 * {@code Authorization} header, or no signature at all for anonymous access). Until then, or when the SDK signed
 * with something other than SigV4 (SigV4a for multi-region access points, S3 Express sessions),
 * {@link #ready()} is false and reads go through the S3 client.
 */
final class DirectGets implements ExecutionInterceptor {
    private static final String SIGV4 = "AWS4-HMAC-SHA256 ";
    private static final Pattern CREDENTIAL_SCOPE =
            Pattern.compile("Credential=[^/,]+/\\d{8}/([^/,]+)/([^/,]+)/aws4_request");
    private static final Pattern ERROR_CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern ERROR_MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final char[] HEX_DIGITS = "0123456789ABCDEF".toCharArray();

    /** Where the bucket lives and how requests to it are signed, as the SDK did it. */
    record Address(String protocol, String host, int port, String bucketPath, String region, String service) {
        boolean signed() {
            return region != null;
        }

        /** The Host header HttpURLConnection sends: the port only when it is not the scheme's default. */
        String hostHeader() {
            return SdkHttpUtils.isUsingStandardPort(protocol, port) ? host : host + ":" + port;
        }
    }

    /** A response to a direct GET, before its status was looked at. */
    record Response(SdkHttpResponse http, AbortableInputStream body) {}

    /** The response headers a successful read looks at. */
    private static final List<String> READ_HEADERS = List.of(
            "Content-Length",
            "Content-Range",
            "x-amz-server-side-encryption",
            "x-amz-server-side-encryption-customer-algorithm");

    private final SdkHttpClient http;
    private final UrlConnections.Opener opener;
    private final AwsCredentialsProvider credentials;
    /** Signs for the address's region and service; null until learned, and for anonymous access. */
    private volatile GetSigner signer;

    private volatile Address address;
    private volatile boolean unsupported;

    /**
     * @param http the SDK's HTTP client, for GETs when {@code opener} is null
     * @param opener opens our own connections, null when a proxy is configured
     */
    DirectGets(SdkHttpClient http, UrlConnections.Opener opener, AwsCredentialsProvider credentials) {
        this.http = http;
        this.opener = opener;
        this.credentials = credentials;
    }

    /** True once the bucket's address was learned from a listing signed with SigV4 or not signed at all. */
    boolean ready() {
        return address != null;
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        if (address == null
                && !unsupported
                && context.request() instanceof ListObjectsV2Request
                && context.httpResponse().isSuccessful()) {
            Optional<Address> learned = learn(context.httpRequest());
            if (learned.isPresent()) {
                Address a = learned.get();
                signer = a.signed() ? new GetSigner(a.region(), a.service()) : null;
                address = a;
            } else {
                unsupported = true;
            }
        }
    }

    /**
     * The bucket's address as a successful ListObjectsV2 request shows it; empty when that request was signed with
     * something other than SigV4.
     */
    static Optional<Address> learn(SdkHttpRequest listing) {
        String region = null;
        String service = null;
        Optional<String> authorization = listing.firstMatchingHeader("Authorization");
        if (authorization.isPresent()) {
            Matcher m = CREDENTIAL_SCOPE.matcher(authorization.get());
            if (!authorization.get().startsWith(SIGV4) || !m.find()) {
                return Optional.empty();
            }
            region = m.group(1);
            service = m.group(2);
        }
        String path = listing.encodedPath() == null ? "" : listing.encodedPath();
        String bucketPath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return Optional.of(
                new Address(listing.protocol(), listing.host(), listing.port(), bucketPath, region, service));
    }

    /** Sends {@code GET key} with the given headers; the caller checks the status and owns the body. */
    Response get(String key, String range, String ifMatch) throws IOException {
        Address a = address;
        String path = a.bucketPath() + "/" + encodePath(key);
        Map<String, String> headers = new LinkedHashMap<>(8);
        headers.put("Range", range);
        if (ifMatch != null) {
            headers.put("If-Match", ifMatch);
        }
        if (a.signed()) {
            GetSigner.Signed signed =
                    signer.sign(credentials.resolveCredentials(), Instant.now(), a.hostHeader(), path, range, ifMatch);
            headers.put("x-amz-content-sha256", GetSigner.EMPTY_SHA256);
            headers.put("x-amz-date", signed.amzDate());
            if (signed.securityToken() != null) {
                headers.put("x-amz-security-token", signed.securityToken());
            }
            headers.put("Authorization", signed.authorization());
        }
        return opener == null ? sdkGet(a, path, headers) : urlGet(a, path, headers);
    }

    /**
     * The GET on a connection of our own: the SDK client's wrapper around the same {@link HttpURLConnection}
     * (request and response builders, every header copied into maps) cost as much CPU as the connection's own work.
     */
    private Response urlGet(Address a, String path, Map<String, String> headers) throws IOException {
        HttpURLConnection c = opener.open(new URL(a.protocol(), a.host(), a.port(), path));
        c.setInstanceFollowRedirects(false);
        headers.forEach(c::setRequestProperty);
        int status = c.getResponseCode();
        SdkHttpResponse.Builder response = SdkHttpResponse.builder().statusCode(status);
        InputStream body;
        if (status / 100 == 2) {
            for (String h : READ_HEADERS) {
                String v = c.getHeaderField(h);
                if (v != null) {
                    response.putHeader(h, v);
                }
            }
            body = c.getInputStream();
        } else {
            response.statusText(c.getResponseMessage());
            c.getHeaderFields().forEach((name, values) -> {
                if (name != null) {
                    response.putHeader(name, values);
                }
            });
            body = c.getErrorStream();
        }
        return new Response(
                response.build(),
                AbortableInputStream.create(body == null ? InputStream.nullInputStream() : body, c::disconnect));
    }

    /** The GET through the SDK's HTTP client, which applies the proxy settings. */
    private Response sdkGet(Address a, String path, Map<String, String> headers) throws IOException {
        SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.GET)
                .protocol(a.protocol())
                .host(a.host())
                .port(a.port())
                .encodedPath(path);
        headers.forEach(b::putHeader);
        ExecutableHttpRequest call = http.prepareRequest(
                HttpExecuteRequest.builder().request(b.build()).build());
        HttpExecuteResponse response = call.call();
        AbortableInputStream body =
                response.responseBody().orElseGet(() -> AbortableInputStream.create(InputStream.nullInputStream()));
        return new Response(response.httpResponse(), body);
    }

    /**
     * {@code key} percent-encoded as S3 signs and reads it, as the SDK's {@code SdkHttpUtils.urlEncodeIgnoreSlashes}
     * does: the UTF-8 bytes of everything but RFC 3986's unreserved characters and {@code /}; a key of only those
     * (most model files) is returned as it is. The SDK's version goes through {@code URLEncoder} and four string
     * replacements per key.
     */
    static String encodePath(String key) {
        int i = 0;
        while (i < key.length() && keptAsIs(key.charAt(i))) {
            i++;
        }
        if (i == key.length()) {
            return key;
        }
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(utf8.length + 16);
        for (byte x : utf8) {
            char c = (char) (x & 0xFF);
            if (keptAsIs(c)) {
                b.append(c);
            } else {
                b.append('%').append(HEX_DIGITS[c >> 4]).append(HEX_DIGITS[c & 0xF]);
            }
        }
        return b.toString();
    }

    private static boolean keptAsIs(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_'
                || c == '.'
                || c == '~'
                || c == '/';
    }

    /** The S3 error a failed response carries, read from its XML body, for {@link S3Errors} to map. */
    static S3Exception error(Response response) {
        String xml;
        try (AbortableInputStream in = response.body()) {
            xml = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
        } catch (IOException e) {
            xml = "";
        }
        SdkHttpResponse http = response.http();
        String code = first(ERROR_CODE, xml);
        String message = first(ERROR_MESSAGE, xml);
        if (code == null && http.statusCode() == 404) {
            code = "NoSuchKey"; // a HEAD-like empty 404 body
        }
        return (S3Exception) S3Exception.builder()
                .statusCode(http.statusCode())
                .message(message)
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode(code)
                        .errorMessage(message)
                        .serviceName("S3")
                        .sdkHttpResponse(http)
                        .build())
                .build();
    }

    private static String first(Pattern p, String xml) {
        Matcher m = p.matcher(xml);
        return m.find() ? m.group(1) : null;
    }
}
