package dev.scale.providers;

import java.util.Map;

/**
 * How to reach a running datastore. The same shape for every provider: nothing above providers
 * knows whether this is a container, an embedded process or a managed service.
 *
 * @param port     the port clients connect to first (Couchbase: key/value)
 * @param database null where the kind has no database name (Redis); Couchbase: the bucket
 * @param ports    a kind's other services by name, as reachable from here (Couchbase: mgmt, n1ql); empty for one-port kinds
 */
public record Endpoint(String host, int port, String username, Secret password, String database, Map<String, Integer> ports, Tls tls) {

    /**
     * The server requires TLS. scale's own connections verify its certificate and host name: against the
     * certificate authorities in {@code caFile} (PEM, from {@code SCALE_CA_FILE}: a TLS-intercepting proxy, a
     * test server's own authority) or, when it is null, against the JVM's trusted authorities.
     */
    public record Tls(java.nio.file.Path caFile) {
        public static final Tls SYSTEM = new Tls(null);

        /** With the authorities of {@code SCALE_CA_FILE} when it is set. */
        public static Tls from(Map<String, String> env) {
            String file = env.get("SCALE_CA_FILE");
            if (file == null || file.isBlank()) {
                return SYSTEM;
            }
            java.nio.file.Path path = java.nio.file.Path.of(file);
            if (!java.nio.file.Files.isReadable(path)) {
                throw dev.scale.errors.ScaleException.usage("SCALE_CA_FILE names " + file + ", which cannot be read",
                        "give a readable PEM file of certificate authorities, or unset it");
            }
            return new Tls(path.toAbsolutePath());
        }

        /**
         * Wraps a connected socket in TLS to {@code host}, handshakes, and verifies the certificate chain and the
         * host name, as every scale client of a TLS server does (Redis, the probes' wire clients).
         */
        public javax.net.ssl.SSLSocket wrap(java.net.Socket plain, String host) throws java.io.IOException {
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context().getSocketFactory()
                    .createSocket(plain, host, plain.getPort(), true);
            javax.net.ssl.SSLParameters params = tls.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the host name is checked, not only the chain
            tls.setSSLParameters(params);
            tls.setUseClientMode(true);
            tls.startHandshake();
            return tls;
        }

        /** The JVM's trusted authorities, or those of {@link #caFile} alone. */
        public javax.net.ssl.SSLContext context() throws java.io.IOException {
            try {
                if (caFile == null) {
                    return javax.net.ssl.SSLContext.getDefault();
                }
                java.security.KeyStore trusted = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                trusted.load(null, null);
                int n = 0;
                try (java.io.InputStream in = java.nio.file.Files.newInputStream(caFile)) {
                    for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        trusted.setCertificateEntry("ca-" + n++, c);
                    }
                }
                if (n == 0) {
                    throw new java.io.IOException(caFile + " holds no PEM certificate");
                }
                javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trusted);
                javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
                ctx.init(null, tmf.getTrustManagers(), null);
                return ctx;
            } catch (java.security.GeneralSecurityException e) {
                throw new java.io.IOException("cannot use the certificate authorities of " + caFile + ": " + e.getMessage(), e);
            }
        }
    }

    public Endpoint {
        ports = ports == null ? Map.of() : Map.copyOf(ports);
    }

    public Endpoint(String host, int port, String username, Secret password, String database, Map<String, Integer> ports) {
        this(host, port, username, password, database, ports, null);
    }

    public Endpoint(String host, int port, String username, Secret password, String database) {
        this(host, port, username, password, database, Map.of(), null);
    }

    public Endpoint withPassword(Secret newPassword) {
        return new Endpoint(host, port, username, newPassword, database, ports, tls);
    }

    public Endpoint withTls(Tls tls) {
        return new Endpoint(host, port, username, password, database, ports, tls);
    }

    /** The user and password a URL carries, percent-decoded; empty strings where it has none. */
    public record Login(String user, String password) {
        public String userOr(String fallback) {
            return user.isEmpty() ? fallback : user;
        }
    }

    public static Login loginOf(java.net.URI url) {
        if (url.getRawUserInfo() == null) {
            return new Login("", "");
        }
        String[] parts = url.getRawUserInfo().split(":", 2);
        try {
            return new Login(java.net.URLDecoder.decode(parts[0], java.nio.charset.StandardCharsets.UTF_8),
                    parts.length > 1 ? java.net.URLDecoder.decode(parts[1], java.nio.charset.StandardCharsets.UTF_8) : "");
        } catch (IllegalArgumentException e) {
            throw dev.scale.errors.ScaleException.usage("bad percent-encoding in the URL's user or password");
        }
    }
}
