package dev.scale.embedded.s3;

/**
 * Marks where S3Proxy's jars are carried ({@code lib/} beside this class) for scale's embedded provider to find them.
 * It refers to nothing of S3Proxy, so scale can load it where S3Proxy is not on the class path.
 */
public final class Carried {
    private Carried() {
    }
}
