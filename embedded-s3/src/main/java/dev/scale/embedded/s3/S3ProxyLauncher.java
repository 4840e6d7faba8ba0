package dev.scale.embedded.s3;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobProviderMetadata;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * Runs S3Proxy on a directory, in a JVM of its own whose class path is S3Proxy's jars and this class. S3Proxy's own
 * main looks its backend up among every jclouds provider, and its jar registers one (Azure's SDK) that scale does not
 * carry; this builds its filesystem-nio2 backend directly instead (jclouds' older filesystem backend, deprecated by
 * S3Proxy, lists each folder as an object and loops retrying when asked to delete one). Listens on 127.0.0.1 only, with AWS signatures (V2 or V4)
 * checked against one access key and its secret, both read from a file the caller keeps private.
 *
 * <p>usage: S3ProxyLauncher SETTINGS-FILE, whose properties are {@code port}, {@code basedir}, {@code identity} and
 * {@code credential}.
 */
public final class S3ProxyLauncher {
    private S3ProxyLauncher() {
    }

    public static void main(String[] args) throws Exception {
        // logback's default is DEBUG on the console: every request's headers in the log
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(ch.qos.logback.classic.Level.WARN);
        Properties settings = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            settings.load(in);
        }
        Properties jclouds = new Properties();
        jclouds.setProperty("jclouds.filesystem.basedir", settings.getProperty("basedir"));
        BlobStoreContext context = ContextBuilder.newBuilder(new FilesystemNio2BlobProviderMetadata())
                .credentials("local", "unused").overrides(jclouds).build(BlobStoreContext.class);
        BlobStore store = context.getBlobStore();
        S3Proxy proxy = S3Proxy.builder().blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:" + Integer.parseInt(settings.getProperty("port"))))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, settings.getProperty("identity"), settings.getProperty("credential"))
                // (the backend's own credentials above are asked for and never used)
                // as S3PROXY_IGNORE_UNKNOWN_HEADERS=true in the image: the checksum headers SDKs send since 2025 are not refused
                .ignoreUnknownHeaders(true)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                proxy.stop(); // SIGTERM from the supervisor: finish what is being written, then go
            } catch (Exception ignored) {
                // exiting anyway
            }
            context.close();
        }, "s3proxy-stop"));
        proxy.start();
        System.out.println("S3Proxy listening on 127.0.0.1:" + settings.getProperty("port"));
    }
}
