package dev.scale.providers.kinds.s3;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * scale's own S3 clients (the shell's, the probes'), from the AWS SDK for Java v2 as a user's program would build
 * one from the contract: the endpoint, the key, the region, path-style addressing, and checksums only where an
 * operation needs them (S3Proxy refuses the CRC trailers current SDKs send by default). Also the multipart upload
 * both use above {@link #PART_BYTES}, streamed from an {@link InputStream} one part at a time.
 */
public final class S3Clients {
    /** Objects above this size go up in parts of this size: as the AWS CLI's default multipart threshold and chunk size. */
    public static final int PART_BYTES = 8 * 1024 * 1024;

    private S3Clients() {
    }

    /** The endpoint as a URL: http, or https where the endpoint has TLS. */
    public static URI endpointUrl(Endpoint e) {
        return URI.create((e.tls() != null ? "https" : "http") + "://" + e.host() + ":" + e.port());
    }

    /** A client for the endpoint; the caller closes it. Two attempts per call: an unreachable server is said soon. */
    public static S3Client client(Endpoint e) {
        return S3Client.builder().endpointOverride(endpointUrl(e)).region(Region.of(SignedRequest.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(e.username(), e.password().reveal())))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD).retryStrategy(b -> b.maxAttempts(2))
                        .apiCallAttemptTimeout(Duration.ofMinutes(10)))
                .build();
    }

    /** Presigned URLs for the endpoint, path-style, as a browser or curl fetches them. */
    public static S3Presigner presigner(Endpoint e) {
        return S3Presigner.builder().endpointOverride(endpointUrl(e)).region(Region.of(SignedRequest.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(e.username(), e.password().reveal())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }

    /**
     * A client whose key the server has taken (a ListBuckets), or an environment error (exit 3) in one line: nothing
     * answering, or the key refused.
     */
    public static S3Client connect(Endpoint e) {
        S3Client client = client(e);
        try {
            client.listBuckets();
            return client;
        } catch (S3Exception refused) {
            client.close();
            throw ScaleException.environment("the S3 server at " + e.host() + ":" + e.port() + " refused the key " + e.username() + ": " + reason(refused),
                    "check the access key and its secret", refused);
        } catch (SdkClientException unreachable) {
            client.close();
            throw ScaleException.environment("cannot reach the S3 server at " + e.host() + ":" + e.port() + ": " + reason(unreachable),
                    "check the address, or that the instance is running (scale ls)", unreachable);
        }
    }

    /**
     * What went wrong, in S3's own words where the server gave some ({@code NoSuchBucket: The specified bucket does
     * not exist}), else the client's deepest cause ({@code Connection refused}), never the SDK's request ids.
     */
    public static String reason(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof S3Exception s && s.awsErrorDetails() != null) {
                String code = s.awsErrorDetails().errorCode();
                String message = s.awsErrorDetails().errorMessage();
                if (code == null || code.isEmpty()) {
                    return s.statusCode() + (s.statusCode() == 404 ? " Not Found" : s.statusCode() == 403 ? " Forbidden"
                            : s.statusCode() >= 500 ? " Internal Server Error: the server gave no reason (a full disk is one)" : "");
                }
                return code + (message == null || message.isEmpty() || message.equals(code) ? "" : ": " + message);
            }
            if (c instanceof SdkServiceException s) {
                return "HTTP " + s.statusCode();
            }
        }
        Throwable deepest = t;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String m = deepest.getMessage() == null ? deepest.getClass().getSimpleName() : deepest.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /**
     * Stores {@code length} bytes read from {@code in} under {@code key}: one PUT up to {@link #PART_BYTES}, else a
     * multipart upload of parts of that size, each read into one reused buffer, so memory stays at one part whatever
     * the object's size, and a part the SDK retries is sent again whole. An upload that fails is aborted, leaving no parts on the server.
     */
    public static void upload(S3Client s3, String bucket, String key, InputStream in, long length) throws IOException {
        if (length <= PART_BYTES) {
            // held, so that a retry (after a 500) can send it again: a stream read once cannot be read twice
            byte[] body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new IOException("the source ended after " + body.length + " of " + length + " bytes");
            }
            s3.putObject(b -> b.bucket(bucket).key(key).contentLength(length), RequestBody.fromInputStream(new java.io.ByteArrayInputStream(body), length));
            return;
        }
        String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            byte[] buffer = new byte[PART_BYTES];
            long left = length;
            for (int n = 1; left > 0; n++) {
                int size = (int) Math.min(PART_BYTES, left);
                int read = in.readNBytes(buffer, 0, size);
                if (read < size) {
                    throw new IOException("the source ended after " + (length - left + read) + " of " + length + " bytes");
                }
                int number = n;
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(number).contentLength((long) size),
                        RequestBody.fromInputStream(new java.io.ByteArrayInputStream(buffer, 0, size), size)).eTag();
                parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
                left -= size;
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
        } catch (IOException | RuntimeException failed) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
            } catch (RuntimeException ignored) {
                failed.addSuppressed(ignored);
            }
            throw failed;
        }
    }
}
