package dev.scale.providers.kinds.s3;

import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One S3 request with an empty body, signed with AWS Signature Version 4: what scale itself asks of an S3 server
 * (is it up and does it take the key; make the instance's bucket). The JDK's HTTP client only: the AWS SDK is for the
 * shell and the probes, where streams and multipart uploads matter, and would cost every start its class loading.
 */
final class SignedRequest {
    static final String REGION = "us-east-1";
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private SignedRequest() {
    }

    /** {@code METHOD http[s]://host:port/path} with the endpoint's key; the response, body as text. */
    static HttpResponse<String> send(Endpoint e, String method, String path, int timeoutMillis) throws IOException, InterruptedException {
        String scheme = e.tls() != null ? "https" : "http";
        String host = e.host() + ":" + e.port();
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String amzDate = AMZ_DATE.format(now);
        String day = amzDate.substring(0, 8);
        String canonical = method + "\n" + path + "\n\n" + "host:" + host + "\n" + "x-amz-content-sha256:" + EMPTY_SHA256 + "\n"
                + "x-amz-date:" + amzDate + "\n\n" + "host;x-amz-content-sha256;x-amz-date\n" + EMPTY_SHA256;
        String scope = day + "/" + REGION + "/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonical));
        byte[] key = hmac(("AWS4" + e.password().reveal()).getBytes(StandardCharsets.UTF_8), day);
        key = hmac(key, REGION);
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        String authorization = "AWS4-HMAC-SHA256 Credential=" + e.username() + "/" + scope
                + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + hex(hmac(key, toSign));
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://" + host + path)).timeout(Duration.ofMillis(timeoutMillis))
                .header("x-amz-date", amzDate).header("x-amz-content-sha256", EMPTY_SHA256).header("Authorization", authorization)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
