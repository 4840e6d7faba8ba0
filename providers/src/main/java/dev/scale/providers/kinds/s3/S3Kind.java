package dev.scale.providers.kinds.s3;

import dev.scale.errors.ScaleException;
import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Progress;
import dev.scale.providers.Secret;
import dev.scale.providers.Wait;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An S3-compatible object store: S3Proxy on a directory. One access key ({@code scale}) with a random secret, checked
 * by AWS signatures V2 or V4, and one bucket ({@code scale}) made at the start. Docker runs S3Proxy's own image
 * ({@code andrewgaul/s3proxy}), configured by its environment; without Docker, the same server runs as a JVM of its own
 * from jars scale carries. The contract uses the names the AWS SDKs and CLI read themselves.
 */
public final class S3Kind implements Kind {
    static final String BUCKET = "scale";
    private final EmbeddedRecipe embedded = new S3Embedded();

    @Override public String name() { return "s3"; }
    @Override public List<String> aliases() { return List.of("s3proxy"); }
    @Override public String summary() { return "object store (S3 API): buckets, objects, presigned URLs"; }
    @Override public String defaultVersion() { return S3Embedded.S3PROXY_VERSION; }
    @Override public String officialImage(String version) { return "andrewgaul/s3proxy:s3proxy-" + version; }
    @Override public int containerPort() { return 80; }
    @Override public String defaultUsername() { return "scale"; }
    @Override public String defaultDatabase() { return BUCKET; }
    @Override public List<String> containerCommand() { return List.of(); }
    @Override public List<String> imageEntrypoint() { return List.of("/opt/s3proxy/run-docker-container.sh"); }
    @Override public int memoryMiB() { return 512; }
    @Override public String stopSignal() { return "TERM"; }
    @Override public Duration startTimeout() { return Duration.ofSeconds(60); }
    @Override public List<String> urlSchemes() { return List.of("s3"); }
    @Override public String urlExample() { return "s3://scale:SECRET@HOST:PORT/BUCKET"; }
    @Override public EmbeddedRecipe embedded() { return embedded; }

    /**
     * As the official image reads them: AWS signatures checked against one key, a directory as the store (the
     * filesystem-nio2 backend: the older one lists each folder as an object and cannot delete one), and unknown
     * {@code x-amz-*} headers ignored rather than refused: every AWS SDK since 2025 sends {@code x-amz-checksum-crc32}
     * with DeleteObjects, which S3Proxy would otherwise answer with NotImplemented.
     */
    @Override
    public Map<String, String> containerEnv(Endpoint endpoint) {
        return Map.of("S3PROXY_AUTHORIZATION", "aws-v2-or-v4", "S3PROXY_IDENTITY", endpoint.username(), "S3PROXY_ENDPOINT", "http://0.0.0.0:80",
                "S3PROXY_IGNORE_UNKNOWN_HEADERS", "true", "JCLOUDS_PROVIDER", "filesystem-nio2", "JCLOUDS_FILESYSTEM_BASEDIR", "/data");
    }

    @Override
    public String containerPrelude() {
        return "export S3PROXY_CREDENTIAL=\"$SCALE_PASSWORD\"\n";
    }

    /**
     * A signed ListBuckets: the server is up and takes the key. S3 has no call that gives the server's version, and
     * S3Proxy's Server header names its web server (Jetty): none is claimed, and scale reports the version it started.
     */
    @Override
    public String probe(Endpoint endpoint) throws Exception {
        HttpResponse<String> r = SignedRequest.send(endpoint, "GET", "/", 2000);
        if (r.statusCode() != 200) {
            throw new java.io.IOException("ListBuckets answered " + r.statusCode() + ": " + firstLine(r.body()));
        }
        return "";
    }

    /** The instance's bucket, made once the server answers (the embedded one has it from the start: a directory). */
    @Override
    public void initialize(Endpoint endpoint, String containerAddress, long deadline, Progress progress, String instanceName) throws Exception {
        progress.step(instanceName, "making bucket " + endpoint.database());
        try {
            Wait.until(deadline, "s3 bucket", () -> {
                HttpResponse<String> r = SignedRequest.send(endpoint, "PUT", "/" + endpoint.database(), 2000);
                if (r.statusCode() == 200 || r.body().contains("BucketAlreadyOwnedByYou")) {
                    return Boolean.TRUE;
                }
                throw new java.io.IOException("CreateBucket answered " + r.statusCode() + ": " + firstLine(r.body()));
            });
        } catch (Wait.TimedOut e) {
            throw ScaleException.failure("the bucket " + endpoint.database() + " could not be made (" + e.lastReason() + ")", e);
        }
    }

    private static String firstLine(String body) {
        String b = body == null ? "" : body.strip();
        int code = b.indexOf("<Code>");
        return code >= 0 ? b.substring(code + 6, Math.max(code + 6, b.indexOf("</Code>"))) : b.lines().findFirst().orElse("");
    }

    private static String endpointUrl(Endpoint e) {
        return (e.tls() != null ? "https" : "http") + "://" + e.host() + ":" + e.port();
    }

    /** {@code s3://KEY:SECRET@HOST:PORT/BUCKET}: for tools that take one URL; the endpoint is plain HTTP unless TLS is set. */
    @Override
    public String url(Endpoint e) {
        return "s3://" + e.username() + ":" + e.password().reveal() + "@" + e.host() + ":" + e.port() + "/" + e.database();
    }

    /**
     * The names the AWS SDKs and CLI read (endpoint, key, secret, region), the bucket, and the URL. Current SDKs send
     * CRC checksums S3Proxy does not take ({@code NotImplemented}); the two settings below ask them only where an
     * operation needs them, which every SDK of 2025 or later reads.
     */
    @Override
    public Map<String, String> env(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_ENDPOINT_URL_S3", endpointUrl(e));
        env.put("AWS_ENDPOINT_URL", endpointUrl(e));
        env.put("AWS_ACCESS_KEY_ID", e.username());
        env.put("AWS_SECRET_ACCESS_KEY", e.password().reveal());
        env.put("AWS_REGION", SignedRequest.REGION);
        env.put("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required");
        env.put("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required");
        env.put("S3_BUCKET", e.database());
        env.put("S3_URL", url(e));
        return env;
    }

    @Override
    public Endpoint endpointOf(URI url) {
        Endpoint.Login login = Endpoint.loginOf(url);
        if (login.user().isEmpty() || login.password().isEmpty()) {
            throw ScaleException.usage("an S3 URL needs an access key and its secret", "write " + urlExample());
        }
        String path = url.getPath() == null ? "" : url.getPath().replaceFirst("^/", "");
        return new Endpoint(url.getHost(), url.getPort() > 0 ? url.getPort() : 80, login.user(), Secret.of(login.password()),
                path.isEmpty() ? BUCKET : path);
    }
}
