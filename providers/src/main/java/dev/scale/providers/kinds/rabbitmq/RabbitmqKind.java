package dev.scale.providers.kinds.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.scale.errors.ScaleException;
import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Secret;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RabbitMQ: an AMQP 0-9-1 event broker. An instance has one user ({@code scale}) with a random password and the
 * default virtual host {@code /}. The official image creates both from {@code RABBITMQ_DEFAULT_USER} and
 * {@code RABBITMQ_DEFAULT_PASS}, which rabbitmq-server reads itself; the password reaches it through the wrapper's
 * environment, never through a process's arguments. {@code rabbitmq:3}, not {@code -management}: scale's shell and
 * probes speak AMQP, and the management plugin would add a web port and half the start-up.
 */
public final class RabbitmqKind implements Kind {
    private final EmbeddedRecipe embedded = new RabbitmqEmbedded();

    /** The virtual host every instance has, and the one a URL without a path names. */
    static final String DEFAULT_VHOST = "/";

    @Override public String name() { return "rabbitmq"; }
    @Override public List<String> aliases() { return List.of("rabbit", "amqp"); }
    @Override public String summary() { return "event broker (AMQP 0-9-1): queues, exchanges, acknowledgements"; }
    @Override public String defaultVersion() { return "3"; }
    @Override public String officialImage(String version) { return "rabbitmq:" + version; }
    @Override public int containerPort() { return 5672; }
    @Override public String defaultUsername() { return "scale"; }
    @Override public String defaultDatabase() { return DEFAULT_VHOST; }
    @Override public List<String> containerCommand() { return List.of("rabbitmq-server"); }
    @Override public int memoryMiB() { return 512; }
    /** RabbitMQ stops cleanly on SIGTERM (3.7 and later): queues and messages marked durable and persistent are kept. */
    @Override public String stopSignal() { return "TERM"; }
    /** The Erlang VM and its plugins: 5 to 10 s on two cores. */
    @Override public Duration startTimeout() { return Duration.ofSeconds(120); }
    @Override public List<String> urlSchemes() { return List.of("amqp", "amqps"); }
    @Override public String urlExample() { return "amqp[s]://scale:PASSWORD@HOST:5672/%2F"; }
    @Override public EmbeddedRecipe embedded() { return embedded; }

    /**
     * Null when every node answers and they form one cluster; else what is missing (the failover probe waits for it
     * between runs).
     */
    public static String clustered(List<Endpoint> nodes) {
        return RabbitmqCluster.clustered(nodes);
    }

    /** A cluster of three or more nodes for quorum queues: {@link RabbitmqCluster}. */
    @Override
    public dev.scale.providers.Topology.Replication replication() {
        return new RabbitmqCluster();
    }

    @Override
    public Map<String, String> containerEnv(Endpoint endpoint) {
        return Map.of("RABBITMQ_DEFAULT_USER", endpoint.username(), "RABBITMQ_DEFAULT_VHOST", endpoint.database());
    }

    @Override
    public String containerPrelude() {
        return "export RABBITMQ_DEFAULT_PASS=\"$SCALE_PASSWORD\"\n";
    }

    /** An AMQP connection with the instance's login: the broker's version from its connection properties. */
    @Override
    public String probe(Endpoint endpoint) throws Exception {
        try (Connection c = factory(endpoint, 2000).newConnection("scale-probe")) {
            Object version = c.getServerProperties().get("version");
            Object product = c.getServerProperties().get("product");
            String v = version == null ? "unknown" : version.toString();
            // another broker speaking AMQP 0-9-1 (the embedded one is Qpid) says so in its version: qpid-9.2.0
            return product == null || product.toString().toLowerCase(java.util.Locale.ROOT).contains("rabbitmq") ? v
                    : product.toString().toLowerCase(java.util.Locale.ROOT).replace("apache", "").strip().split("\\s+")[0] + "-" + v;
        }
    }

    /**
     * A connection for a client of scale's own (shell, probes), or an environment error (exit 3) in one line that says
     * what went wrong: nothing listening, or the login refused (RabbitMQ says ACCESS_REFUSED; Qpid closes the
     * connection during the login, which the client can only call a possible authentication failure).
     */
    public static Connection connect(Endpoint e, String clientName) {
        try {
            return factory(e, 10_000).newConnection(clientName);
        } catch (com.rabbitmq.client.PossibleAuthenticationFailureException refused) {
            throw ScaleException.environment("the broker at " + e.host() + ":" + e.port() + " refused the login of " + e.username()
                    + (refused instanceof com.rabbitmq.client.AuthenticationFailureException ? ": " + refused.getMessage() : " (it closed the connection during the login)"),
                    "check the user and password", refused);
        } catch (java.io.IOException | java.util.concurrent.TimeoutException ex) {
            Throwable cause = ex.getCause() != null && ex.getMessage() == null ? ex.getCause() : ex;
            throw ScaleException.environment("cannot reach the broker at " + e.host() + ":" + e.port() + ": " + cause.getMessage(),
                    "check the address, or that the instance is running (scale ls)", ex);
        }
    }

    /** A client connection factory for the endpoint, no automatic recovery: a failure is for the caller to see. */
    public static ConnectionFactory factory(Endpoint e, int timeoutMillis) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(e.host());
        f.setPort(e.port());
        f.setUsername(e.username());
        f.setPassword(e.password().reveal());
        f.setVirtualHost(e.database() == null ? DEFAULT_VHOST : e.database());
        f.setConnectionTimeout(timeoutMillis);
        f.setHandshakeTimeout(timeoutMillis);
        f.setAutomaticRecoveryEnabled(false);
        if (e.tls() != null) {
            try {
                f.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
                f.enableHostnameVerification();
            } catch (java.security.NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return f;
    }

    /** {@code amqp://scale:PASSWORD@HOST:PORT/%2F}: the virtual host is the path, percent-encoded ({@code /} is {@code %2F}). */
    @Override
    public String url(Endpoint e) {
        return (e.tls() != null ? "amqps" : "amqp") + "://" + e.username() + ":" + e.password().reveal() + "@" + e.host() + ":" + e.port() + "/"
                + URLEncoder.encode(e.database(), StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public Map<String, String> env(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AMQP_URL", url(e));
        env.put("RABBITMQ_URL", url(e));
        env.put("RABBITMQ_HOST", e.host());
        env.put("RABBITMQ_PORT", Integer.toString(e.port()));
        env.put("RABBITMQ_USER", e.username());
        env.put("RABBITMQ_PASSWORD", e.password().reveal());
        env.put("RABBITMQ_VHOST", e.database());
        clusterEnv(e, env);
        return env;
    }

    /**
     * A cluster's part of the contract: {@code RABBITMQ_ADDRESSES}, every node as {@code host:port,...} (the form of
     * Spring's {@code spring.rabbitmq.addresses} and of the Java client's {@code Address.parseAddresses}), for a client
     * that moves to another node when its own fails; {@code RABBITMQ_NODES}, their node names in the same order
     * ({@code rabbit@NAME-0,...}, what {@code rabbitmqctl -n} and a quorum queue's leader are named by).
     */
    private static void clusterEnv(Endpoint e, Map<String, String> env) {
        Map<String, Integer> nodes = dev.scale.providers.Topology.servers(e.ports());
        if (nodes.size() < 2) {
            return;
        }
        env.put("RABBITMQ_ADDRESSES", String.join(",", nodes.values().stream().map(port -> e.host() + ":" + port).toList()));
        env.put("RABBITMQ_NODES", String.join(",", nodes.keySet().stream().map(host -> "rabbit@" + host).toList()));
    }

    /**
     * {@code amqp[s]://USER:PASSWORD@HOST[:PORT][/VHOST]}, as the RabbitMQ URI specification reads it: no path is the
     * default virtual host {@code /}, and a path is the virtual host's name, percent-decoded.
     */
    @Override
    public Endpoint endpointOf(URI url) {
        boolean tls = "amqps".equalsIgnoreCase(url.getScheme());
        Endpoint.Login login = Endpoint.loginOf(url);
        if (login.user().isEmpty()) {
            throw ScaleException.usage("an AMQP URL needs a user and a password", "write " + urlExample());
        }
        String path = url.getRawPath();
        String vhost = path == null || path.isEmpty() ? DEFAULT_VHOST : URLDecoder.decode(path.substring(1), StandardCharsets.UTF_8);
        Endpoint e = new Endpoint(url.getHost(), url.getPort() > 0 ? url.getPort() : tls ? 5671 : 5672, login.user(), Secret.of(login.password()), vhost);
        return tls ? e.withTls(Endpoint.Tls.SYSTEM) : e;
    }
}
