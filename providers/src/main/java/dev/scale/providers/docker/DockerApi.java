package dev.scale.providers.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The Docker Engine API calls scale makes (ping, images, create, start, inspect, list by label, rename, remove,
 * logs, commit), as HTTP/1.1 over the engine's socket with the JDK alone. One call costs a connection on a
 * local socket and a few milliseconds, where docker-java's client and its dependency graph cost hundreds of
 * milliseconds of class loading for a command that makes three calls (bench/cli-start.sh, bench/time-to-ready.sh).
 *
 * <p>Paths carry the API version the engine announced in its ping, so an engine whose minimum API version is
 * newer than a client's (Docker 29 refuses API versions below 1.44) is never refused.
 */
public final class DockerApi {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /** The engine has no such object (HTTP 404). */
    public static final class NotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message);
        }
    }

    /** The object is in the way: a name taken, a removal already in progress (HTTP 409). */
    public static final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Conflict(String message) {
            super(message);
        }
    }

    /** Any other refusal, with the engine's own message. */
    public static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failed(String message) {
            super(message);
        }
    }

    /** How to reach the engine: a unix socket, or TCP with or without TLS. */
    interface Transport {
        Connection open() throws IOException;

        /** Where, as DOCKER_HOST would say it. */
        String where();
    }

    /** One connection: scale sends one request on it and reads the answer to its end. */
    interface Connection extends AutoCloseable {
        InputStream in() throws IOException;

        OutputStream out() throws IOException;

        @Override
        void close() throws IOException;
    }

    static Transport unix(Path socket) {
        return new Transport() {
            @Override
            public Connection open() throws IOException {
                SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                // Not Channels' streams: those take the channel's one lock for a read as for a write, so a stream read
                // both ways at once (an attached exec) would have its writer wait for a read that waits for the writer.
                InputStream in = new InputStream() {
                    @Override
                    public int read() throws IOException {
                        byte[] one = new byte[1];
                        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        return len == 0 ? 0 : channel.read(java.nio.ByteBuffer.wrap(b, off, len));
                    }
                };
                OutputStream out = new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(b, off, len);
                        while (buffer.hasRemaining()) {
                            channel.write(buffer);
                        }
                    }
                };
                return new Connection() {
                    @Override public InputStream in() { return in; }
                    @Override public OutputStream out() { return out; }
                    @Override public void close() throws IOException { channel.close(); }
                };
            }

            @Override
            public String where() {
                return "unix://" + socket;
            }
        };
    }

    /** @param tls null for plain TCP */
    static Transport tcp(String host, int port, SSLContext tls) {
        return new Transport() {
            @Override
            public Connection open() throws IOException {
                Socket socket = new Socket();
                try {
                    socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
                    socket.setTcpNoDelay(true);
                    if (tls != null) {
                        SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true);
                        SSLParameters params = ssl.getSSLParameters();
                        params.setEndpointIdentificationAlgorithm("HTTPS");
                        ssl.setSSLParameters(params);
                        ssl.startHandshake();
                        socket = ssl;
                    }
                } catch (IOException e) {
                    socket.close();
                    throw e;
                }
                Socket s = socket;
                return new Connection() {
                    @Override public InputStream in() throws IOException { return s.getInputStream(); }
                    @Override public OutputStream out() throws IOException { return s.getOutputStream(); }
                    @Override public void close() throws IOException { s.close(); }
                };
            }

            @Override
            public String where() {
                return "tcp://" + host + ":" + port;
            }
        };
    }

    private final Transport transport;
    private final String prefix;
    private final String apiVersion;

    private DockerApi(Transport transport, String apiVersion) {
        this.transport = transport;
        this.apiVersion = apiVersion;
        this.prefix = apiVersion == null ? "" : "/v" + apiVersion;
    }

    /** Pings the engine; its answer's API version is then used on every path. */
    static DockerApi connect(Transport transport) throws IOException {
        DockerApi unversioned = new DockerApi(transport, null);
        Response ping = unversioned.exchange("GET", "/_ping", null);
        if (ping.status != 200) {
            throw new IOException("the engine answered its ping with HTTP " + ping.status);
        }
        String version = ping.header("api-version");
        return new DockerApi(transport, version == null || !version.matches("\\d+\\.\\d+") ? null : version);
    }

    public String where() {
        return transport.where();
    }

    /** {@code Docker VERSION, API VERSION}, for scale doctor. */
    public String describe() {
        JsonNode v = get("/version");
        return "Docker " + v.path("Version").asText("?") + ", API " + v.path("ApiVersion").asText(apiVersion == null ? "?" : apiVersion);
    }

    // --- images -------------------------------------------------------------------------------------------------

    public JsonNode inspectImage(String image) {
        return get("/images/" + image + "/json");
    }

    /** Pulls an image, reading its progress to the end; the engine's error, if it reports one, is thrown. */
    public void pull(String image) {
        int at = image.indexOf('@');
        String query = at >= 0 ? "fromImage=" + enc(image)
                : "fromImage=" + enc(repoOf(image)) + "&tag=" + enc(tagOf(image));
        try (Stream stream = open("POST", "/images/create?" + query, null)) {
            stream.check();
            var parser = JSON.getFactory().createParser(stream.body);
            var objects = JSON.readValues(parser, JsonNode.class);
            while (objects.hasNext()) {
                JsonNode message = objects.next();
                if (message.hasNonNull("error")) {
                    throw new Failed(message.get("error").asText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Images carrying this label (any value), for scale cache clear. */
    public List<JsonNode> imagesLabelled(String label) {
        ObjectNode filters = JSON.createObjectNode();
        filters.putArray("label").add(label);
        return list(get("/images/json?filters=" + enc(filters.toString())));
    }

    public void removeImage(String id) {
        send("DELETE", "/images/" + id + "?force=1", null);
    }

    /**
     * Commits a stopped container as an image, with Dockerfile-style changes (such as {@code ENV K=V}) and a
     * configuration that the engine merges over the container's (labels, environment, entrypoint).
     * @return the new image's id
     */
    public String commit(String container, String repository, String tag, List<String> changes, JsonNode config) {
        StringBuilder query = new StringBuilder("/commit?container=" + enc(container) + "&repo=" + enc(repository) + "&tag=" + enc(tag));
        for (String change : changes) {
            query.append("&changes=").append(enc(change));
        }
        return send("POST", query.toString(), config).path("Id").asText();
    }

    // --- containers ---------------------------------------------------------------------------------------------

    /** @return the new container's id; {@link Conflict} when the name is taken */
    public String create(String name, JsonNode body) {
        return send("POST", "/containers/create?name=" + enc(name), body).path("Id").asText();
    }

    public void start(String id) {
        send("POST", "/containers/" + id + "/start", null);
    }

    /** Stops a container, giving its server {@code seconds} to shut down cleanly before it is killed. */
    public void stop(String id, int seconds) {
        send("POST", "/containers/" + id + "/stop?t=" + seconds, null);
    }

    /** Stops the container (its stop signal, then a kill after {@code seconds}) and starts it again. */
    public void restart(String id, int seconds) {
        send("POST", "/containers/" + id + "/restart?t=" + seconds, null);
    }

    /** Waits until the container stops; its exit code. */
    public long await(String id) {
        return send("POST", "/containers/" + id + "/wait", null).path("StatusCode").asLong();
    }

    /** Whether a path exists in a container's file system. */
    public boolean exists(String container, String path) {
        try {
            Response r = exchange("HEAD", prefix + "/containers/" + container + "/archive?path=" + enc(path), null);
            return r.status == 200;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode inspect(String idOrName) {
        return get("/containers/" + enc(idOrName) + "/json");
    }

    /**
     * Containers, stopped ones too, with every given label set to its value and, when {@code nameFilter} is not
     * null, a name containing it (Docker's name filter matches parts of names).
     */
    public List<JsonNode> containers(Map<String, String> labels, String nameFilter) {
        ObjectNode filters = JSON.createObjectNode();
        var labelFilter = filters.putArray("label");
        labels.forEach((k, v) -> labelFilter.add(k + "=" + v));
        if (nameFilter != null) {
            filters.putArray("name").add(nameFilter);
        }
        return list(get("/containers/json?all=1&filters=" + enc(filters.toString())));
    }

    public void rename(String id, String name) {
        send("POST", "/containers/" + id + "/rename?name=" + enc(name), null);
    }

    /** Kills and removes a container with its anonymous volumes. */
    public void remove(String id) {
        send("DELETE", "/containers/" + id + "?force=1&v=1", null);
    }

    // --- faults, for the failover probe ----------------------------------------------------------------------

    /** Sends the container's main process a signal (KILL: kill -9). A killed container counts as stopped by hand. */
    public void kill(String id, String signal) {
        send("POST", "/containers/" + id + "/kill?signal=" + enc(signal), null);
    }

    /** Freezes every process of the container (the cgroup freezer): they neither run nor know it. */
    public void pause(String id) {
        send("POST", "/containers/" + id + "/pause", null);
    }

    public void unpause(String id) {
        send("POST", "/containers/" + id + "/unpause", null);
    }

    // --- networks: a topology's members reach each other by name on one of their own -------------------------------

    /** A bridge network with the given labels; its id. {@link Conflict} when the name is taken. */
    public String createNetwork(String name, Map<String, String> labels) {
        ObjectNode body = JSON.createObjectNode().put("Name", name).put("Driver", "bridge").put("CheckDuplicate", true);
        ObjectNode l = body.putObject("Labels");
        labels.forEach(l::put);
        return send("POST", "/networks/create", body).path("Id").asText();
    }

    public void removeNetwork(String idOrName) {
        send("DELETE", "/networks/" + enc(idOrName), null);
    }

    /** Networks with every given label set to its value. */
    public List<JsonNode> networks(Map<String, String> labels) {
        ObjectNode filters = JSON.createObjectNode();
        var labelFilter = filters.putArray("label");
        labels.forEach((k, v) -> labelFilter.add(k + "=" + v));
        return list(get("/networks?filters=" + enc(filters.toString())));
    }

    /** Attaches a container to a network, reachable there by {@code aliases} as well as its name. */
    public void connect(String network, String container, List<String> aliases) {
        ObjectNode body = JSON.createObjectNode().put("Container", container);
        var a = body.putObject("EndpointConfig").putArray("Aliases");
        aliases.forEach(a::add);
        send("POST", "/networks/" + enc(network) + "/connect", body);
    }

    /** Cuts a container from a network (force: even if it is not running): the network fault. */
    public void disconnect(String network, String container) {
        send("POST", "/networks/" + enc(network) + "/disconnect", JSON.createObjectNode().put("Container", container).put("Force", true));
    }

    /** The last lines a container wrote to stdout and stderr (its log, demultiplexed), joined by " | ". */
    public String logTail(String id, int lines) {
        try (Stream stream = open("GET", "/containers/" + id + "/logs?stdout=1&stderr=1&tail=" + lines, null)) {
            stream.check();
            byte[] all = stream.body.readAllBytes();
            StringBuilder out = new StringBuilder();
            int i = 0;
            // Without a TTY each frame has an 8-byte header: stream, 3 zero bytes, big-endian length.
            while (i + 8 <= all.length && all[i] <= 2 && all[i + 1] == 0 && all[i + 2] == 0 && all[i + 3] == 0) {
                int len = ((all[i + 4] & 0xff) << 24) | ((all[i + 5] & 0xff) << 16) | ((all[i + 6] & 0xff) << 8) | (all[i + 7] & 0xff);
                int end = Math.min(all.length, i + 8 + len);
                append(out, new String(all, i + 8, end - i - 8, StandardCharsets.UTF_8));
                i = end;
            }
            if (i == 0 && all.length > 0) {
                append(out, new String(all, StandardCharsets.UTF_8)); // a TTY's raw stream
            }
            return out.toString();
        } catch (IOException e) {
            return "";
        }
    }

    private static void append(StringBuilder out, String text) {
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.append(out.length() == 0 ? "" : " | ").append(line.strip());
            }
        }
    }

    // --- exec ---------------------------------------------------------------------------------------------------

    /**
     * A process run in a container with its standard input and output attached, as {@code docker exec -i} runs one:
     * the engine's answer to the exec's start is the connection itself, upgraded to a raw stream.
     */
    public static final class Attached implements AutoCloseable {
        private final Connection connection;
        private final InputStream in;
        private final OutputStream out;
        private int left; // of the current stdout frame

        private Attached(Connection connection, InputStream in, OutputStream out) {
            this.connection = connection;
            this.in = in;
            this.out = out;
        }

        /** The process's standard input. */
        public OutputStream stdin() {
            return out;
        }

        /**
         * Reads the process's standard output, out of the engine's frames (an 8-byte header: the stream, then the
         * length); its standard error is skipped. -1 when the process has ended.
         */
        public int read(byte[] buf) throws IOException {
            while (left == 0) {
                byte[] header = in.readNBytes(8);
                if (header.length < 8) {
                    return -1;
                }
                int size = ((header[4] & 0xff) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
                if (header[0] == 1) {
                    left = size;
                } else {
                    in.skipNBytes(size);
                }
            }
            int n = in.read(buf, 0, Math.min(buf.length, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }

    /** Runs {@code command} in the container, attached (see {@link Attached}); each argument its own, never a shell line. */
    public Attached exec(String container, List<String> command) throws IOException {
        ObjectNode create = JSON.createObjectNode().put("AttachStdin", true).put("AttachStdout", true).put("AttachStderr", true).put("Tty", false);
        command.forEach(create.putArray("Cmd")::add);
        String id = send("POST", "/containers/" + container + "/exec", create).path("Id").asText();
        byte[] content = JSON.writeValueAsBytes(JSON.createObjectNode().put("Detach", false).put("Tty", false));
        Connection connection = transport.open();
        try {
            String head = "POST " + prefix + "/exec/" + id + "/start HTTP/1.1\r\nHost: docker\r\nUser-Agent: scale\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n";
            OutputStream out = connection.out();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            InputStream in = new java.io.BufferedInputStream(connection.in(), 16384);
            String status = line(in);
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !(parts[1].equals("101") || parts[1].equals("200"))) {
                throw new IOException("the engine refused to attach to exec " + id + ": " + status);
            }
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                // the upgrade's headers: nothing to keep
            }
            return new Attached(connection, in, out);
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    // --- HTTP -----------------------------------------------------------------------------------------------------

    private JsonNode get(String path) {
        return send("GET", path, null);
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    /** A request whose answer is JSON (or empty); 404, 409 and other failures as exceptions. */
    private JsonNode send(String method, String path, JsonNode body) {
        try {
            Response response = exchange(method, prefix + path, body);
            if (response.status >= 400) {
                throw failure(response.status, response.body);
            }
            return response.body.length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body);
        } catch (IOException e) {
            throw new UncheckedIOException("the Docker engine at " + where() + " did not answer " + method + " " + path + ": " + e.getMessage(), e);
        }
    }

    private static RuntimeException failure(int status, byte[] body) {
        String message;
        try {
            message = JSON.readTree(body).path("message").asText("");
        } catch (IOException e) {
            message = "";
        }
        if (message.isEmpty()) {
            message = new String(body, StandardCharsets.UTF_8).strip();
        }
        message = message.isEmpty() ? "HTTP " + status : message;
        return switch (status) {
            case 404 -> new NotFound(message);
            case 409 -> new Conflict(message);
            default -> new Failed(message);
        };
    }

    private record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private Response exchange(String method, String path, JsonNode body) throws IOException {
        try (Stream stream = open(method, path, body)) {
            return new Response(stream.status, stream.headers, stream.body.readAllBytes());
        }
    }

    /** An answer being read: status, headers, and its body as a stream (chunked or not). */
    private final class Stream implements AutoCloseable {
        final Connection connection;
        int status;
        Map<String, String> headers = new java.util.HashMap<>();
        InputStream body;

        Stream(Connection connection) {
            this.connection = connection;
        }

        void check() throws IOException {
            if (status >= 400) {
                throw failure(status, body.readAllBytes());
            }
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }

    private Stream open(String method, String path, JsonNode body) throws IOException {
        byte[] content = body == null ? null : JSON.writeValueAsBytes(body);
        Connection connection = transport.open();
        Stream stream = new Stream(connection);
        try {
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: docker\r\nUser-Agent: scale\r\nConnection: close\r\n");
            if (content != null) {
                head.append("Content-Type: application/json\r\nContent-Length: ").append(content.length).append("\r\n");
            } else if (!method.equals("GET")) {
                head.append("Content-Length: 0\r\n");
            }
            head.append("\r\n");
            OutputStream out = connection.out();
            byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
            if (content == null) {
                out.write(headBytes);
            } else {
                byte[] all = new byte[headBytes.length + content.length];
                System.arraycopy(headBytes, 0, all, 0, headBytes.length);
                System.arraycopy(content, 0, all, headBytes.length, content.length);
                out.write(all);
            }
            out.flush();
            InputStream in = new java.io.BufferedInputStream(connection.in(), 16384);
            String statusLine = line(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP answer: " + statusLine);
            }
            stream.status = Integer.parseInt(parts[1]);
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    stream.headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
            }
            String length = stream.headers.get("content-length");
            if (method.equals("HEAD")) {
                stream.body = InputStream.nullInputStream(); // a HEAD answer has headers only, whatever its Content-Length says
            } else if ("chunked".equalsIgnoreCase(stream.headers.get("transfer-encoding"))) {
                stream.body = new Chunked(in);
            } else if (length != null) {
                stream.body = new Bounded(in, Long.parseLong(length));
            } else if (stream.status == 204 || stream.status == 304) {
                stream.body = InputStream.nullInputStream();
            } else {
                stream.body = in;  // Connection: close ends it
            }
            return stream;
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the engine closed the connection");
            }
            if (b == '\n') {
                int n = s.length();
                return n > 0 && s.charAt(n - 1) == '\r' ? s.substring(0, n - 1) : s.toString();
            }
            s.append((char) b);
        }
    }

    /** A body read in blocks; a single byte is a block of one. */
    private abstract static class Body extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }

    /** A body of a known length. */
    private static final class Bounded extends Body {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }


        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the engine's answer ended early");
            }
            left -= n;
            return n;
        }
    }

    /** A body in HTTP/1.1 chunks. */
    private static final class Chunked extends Body {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }


        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                int semi = size.indexOf(';');
                left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (left == 0) {
                    for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
                        // trailers: none that scale reads
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the engine's answer ended early");
            }
            left -= n;
            if (left == 0) {
                line(in); // the CRLF after each chunk
            }
            return n;
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String repoOf(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(0, colon) : image;
    }

    static String tagOf(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(colon + 1) : "latest";
    }
}
