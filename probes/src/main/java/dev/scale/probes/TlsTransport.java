package dev.scale.probes;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS over a socket the {@link EventLoop} may drive without blocking: an {@link SSLEngine} between the loop's
 * buffers and the socket. The engine is the only TLS that works on a selector's channels ({@code SSLSocket}
 * blocks), which is why the wire clients do not use {@link Endpoint.Tls#wrap}; they verify the same way: the
 * chain against the endpoint's authorities and the host name, with the host name as SNI (Neon routes by it).
 *
 * <p>Buffers, in write mode between calls: {@code netIn} holds ciphertext received and not yet decrypted
 * (a record can arrive in pieces: BUFFER_UNDERFLOW), {@code appIn} plaintext decrypted beyond the caller's
 * room (BUFFER_OVERFLOW: a 16 KB record into a login's 512-byte buffer), {@code netOut} ciphertext on its way out.
 */
public final class TlsTransport implements Transport {
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
    /**
     * How long the server may take to answer the handshake. A plaintext server may wait for the rest of what it takes
     * for a command (Redis, until a newline) and never answer; a blocking channel has no read timeout to end that.
     */
    private static final long HANDSHAKE_SECONDS = 10;
    private final SocketChannel channel;
    private final SSLEngine engine;
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;

    private TlsTransport(SocketChannel channel, SSLEngine engine) {
        this.channel = channel;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        // room for a few records per socket call: a pipeline's replies come in many
        this.netIn = ByteBuffer.allocateDirect(Math.max(packet, 64 * 1024));
        this.netOut = ByteBuffer.allocateDirect(Math.max(packet, 64 * 1024));
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    }

    /**
     * Starts TLS on a connected, blocking channel and handshakes before returning; closes the channel and says
     * why in one line when the server's certificate is not trusted, not for this host, the server refuses, or it does
     * not answer within {@value #HANDSHAKE_SECONDS} s.
     * @param server what the error calls the server ("Redis", "PostgreSQL")
     */
    public static TlsTransport handshake(SocketChannel channel, Endpoint endpoint, String server) throws IOException {
        TlsTransport t;
        try {
            t = new TlsTransport(channel, engine(endpoint));
        } catch (IOException e) {
            channel.close();
            throw ScaleException.environment(e.getMessage(), "give SCALE_CA_FILE a readable PEM file of certificate authorities, or unset it", e);
        }
        try {
            t.negotiate();
            return t;
        } catch (SSLException e) {
            t.sendAlert();
            channel.close();
            throw refused(e, endpoint, server);
        } catch (SocketTimeoutException e) {
            channel.close();
            throw ScaleException.environment("TLS to " + server + " at " + endpoint.host() + ":" + endpoint.port()
                    + " failed: no answer to the handshake in " + HANDSHAKE_SECONDS + " s", "check that this port speaks TLS", e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static SSLEngine engine(Endpoint endpoint) throws IOException {
        SSLContext context = endpoint.tls().context();
        SSLEngine engine = context.createSSLEngine(endpoint.host(), endpoint.port());
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the host name is checked, not only the chain
        if (!isAddress(endpoint.host())) {
            // the JDK sends SNI only for names with a dot; a server that routes by it must get it for any name
            params.setServerNames(List.of(new SNIHostName(endpoint.host())));
        }
        engine.setSSLParameters(params);
        return engine;
    }

    private static boolean isAddress(String host) {
        return host.contains(":") || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** One line that says which check failed and what to do, rather than the JDK's PKIX wording. */
    private static ScaleException refused(SSLException e, Endpoint endpoint, String server) {
        String what = "TLS to " + server + " at " + endpoint.host() + ":" + endpoint.port() + " failed: ";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                String trusted = endpoint.tls().caFile() == null ? "the JVM's" : "those of " + endpoint.tls().caFile();
                return ScaleException.environment(what + "its certificate is not signed by an authority scale trusts (" + trusted + ")",
                        "set SCALE_CA_FILE to the PEM of the authority that signed it", e);
            }
            if (t instanceof CertificateException && String.valueOf(t.getMessage()).contains("matching")) {
                return ScaleException.environment(what + "its certificate is not for " + endpoint.host() + " (" + t.getMessage() + ")",
                        "connect by a name the certificate carries", e);
            }
        }
        if (String.valueOf(e.getMessage()).contains("Unsupported or unrecognized SSL message")) {
            // the JDK's words for a ClientHello answered in plaintext (Redis: "-ERR unknown command")
            return ScaleException.environment(what + "the server answered in plaintext: this port does not speak TLS",
                    "check the port, or drop TLS from the URL (redis://, no sslmode) if the server serves plaintext", e);
        }
        return ScaleException.environment(what + e.getMessage(), null, e);
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    /** The handshake, non-blocking on a selector for its deadline; the channel is blocking again after it. */
    private void negotiate() throws IOException {
        long deadline = System.nanoTime() + HANDSHAKE_SECONDS * 1_000_000_000L;
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            negotiate(selector, deadline);
        }
        channel.configureBlocking(true); // the selector's close deregistered the channel, which blocking mode requires
    }

    private void negotiate(Selector selector, long deadline) throws IOException {
        engine.beginHandshake();
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        while (true) {
            switch (status) {
                case NEED_WRAP -> {
                    netOut.clear();
                    SSLEngineResult r = engine.wrap(NOTHING, netOut);
                    netOut.flip();
                    flush();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the TLS handshake was closed");
                    }
                    status = r.getHandshakeStatus();
                }
                case NEED_UNWRAP -> {
                    netIn.flip();
                    SSLEngineResult r;
                    try {
                        // plaintext the server sends right after its Finished waits in appIn for the first read
                        r = engine.unwrap(netIn, appIn);
                    } finally {
                        netIn.compact();
                    }
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the server closed the connection during the TLS handshake");
                    }
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        appIn = larger(appIn, engine.getSession().getApplicationBufferSize());
                    } else if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        receiveMore(selector, deadline);
                    }
                    status = r.getHandshakeStatus();
                }
                case NEED_TASK -> {
                    runTasks();
                    status = engine.getHandshakeStatus();
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    return;
                }
                default -> throw new SSLException("unexpected TLS handshake state " + status);
            }
        }
    }

    /** At least one more byte of ciphertext into netIn by the deadline, making room first if a record fills it. */
    private void receiveMore(Selector selector, long deadline) throws IOException {
        if (!netIn.hasRemaining()) {
            netIn = larger(netIn, engine.getSession().getPacketBufferSize());
        }
        while (true) {
            int n = channel.read(netIn);
            if (n < 0) {
                throw new SSLException("the server closed the connection during the TLS handshake");
            }
            if (n > 0) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("no answer to the TLS handshake");
            }
            selector.select(Math.max(1, left / 1_000_000));
            selector.selectedKeys().clear();
        }
    }

    @Override
    public int read(ByteBuffer in) throws IOException {
        int start = in.position();
        while (true) {
            if (appIn.position() > 0) {
                appIn.flip();
                int n = Math.min(appIn.remaining(), in.remaining());
                in.put(appIn.slice(appIn.position(), n));
                appIn.position(appIn.position() + n);
                appIn.compact();
                if (appIn.position() > 0) {
                    return in.position() - start; // the caller's buffer is full
                }
            }
            if (!in.hasRemaining()) {
                return in.position() - start;
            }
            if (netIn.position() > 0) {
                SSLEngineResult r = unwrap(in);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    // a record larger than the caller's room: decrypt it aside (appIn is empty here), hand it out
                    // from there. The engine judges room by the record's header before it has the whole record,
                    // so this unwrap may still find it incomplete: an underflow, handled as one below.
                    r = unwrap(appIn);
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        appIn = larger(appIn, engine.getSession().getApplicationBufferSize());
                        continue;
                    }
                }
                switch (r.getStatus()) {
                    case OK -> {
                        afterUnwrap(r);
                        if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                            continue; // the next record, if whole, or the bytes just set aside
                        }
                    }
                    case BUFFER_OVERFLOW -> throw new IllegalStateException("unreachable: handled above");
                    case BUFFER_UNDERFLOW -> {
                        if (!netIn.hasRemaining()) {
                            netIn = larger(netIn, engine.getSession().getPacketBufferSize());
                        }
                    }
                    case CLOSED -> {
                        // the server's close_notify: what came before it is still the caller's
                        int given = in.position() - start;
                        return given > 0 ? given : -1;
                    }
                }
            }
            if (in.position() > start) {
                return in.position() - start; // never wait on the socket with bytes in hand
            }
            int n = channel.read(netIn);
            if (n <= 0) {
                return n;
            }
        }
    }

    private SSLEngineResult unwrap(ByteBuffer into) throws SSLException {
        netIn.flip();
        try {
            return engine.unwrap(netIn, into);
        } finally {
            netIn.compact();
        }
    }

    /** After the handshake the server may still send handshake messages (TLS 1.3 tickets, key updates) needing work or an answer. */
    private void afterUnwrap(SSLEngineResult r) throws IOException {
        SSLEngineResult.HandshakeStatus status = r.getHandshakeStatus();
        while (status == SSLEngineResult.HandshakeStatus.NEED_TASK || status == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runTasks();
                status = engine.getHandshakeStatus();
            } else {
                netOut.clear();
                SSLEngineResult w = engine.wrap(NOTHING, netOut);
                netOut.flip();
                flush();
                if (w.getStatus() == SSLEngineResult.Status.CLOSED) {
                    return;
                }
                status = w.getHandshakeStatus();
            }
        }
    }

    @Override
    public void writeFully(ByteBuffer out) throws IOException {
        while (out.hasRemaining()) {
            netOut.clear();
            // as many records as netOut holds, then one socket write for all of them
            while (out.hasRemaining()) {
                SSLEngineResult r = engine.wrap(out, netOut);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new IOException("the TLS connection is closed");
                }
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    if (netOut.position() == 0) {
                        netOut = larger(netOut, engine.getSession().getPacketBufferSize());
                    }
                    break;
                }
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
            }
            netOut.flip();
            flush();
        }
    }

    /** Writes netOut (read mode) out, spinning on a full send buffer as {@link EventLoop#writeFully} does. */
    private void flush() throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0) {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * True when a whole record, or decrypted bytes, wait here: the socket has nothing new to signal, so the loop
     * reads again without selecting. A record's length is in its header (type, version, length: 5 bytes).
     */
    @Override
    public boolean buffered() {
        if (appIn.position() > 0) {
            return true;
        }
        int n = netIn.position();
        return n >= 5 && n >= 5 + (((netIn.get(3) & 0xff) << 8) | (netIn.get(4) & 0xff));
    }

    /** Sends close_notify, as TLS asks, then closes the socket without waiting for the server's. */
    @Override
    public void close() throws IOException {
        try {
            engine.closeOutbound();
            netOut.clear();
            engine.wrap(NOTHING, netOut);
            netOut.flip();
            for (int tries = 0; netOut.hasRemaining() && tries < 1000; tries++) {
                if (channel.write(netOut) == 0) {
                    Thread.onSpinWait();
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the server may have closed first: close_notify is a courtesy, and the socket closes regardless
        } finally {
            channel.close();
        }
    }

    /** The alert a failed handshake leaves in the engine, so the server logs why; best effort. */
    private void sendAlert() {
        try {
            netOut.clear();
            engine.wrap(NOTHING, netOut);
            netOut.flip();
            channel.write(netOut);
        } catch (IOException | RuntimeException ignored) {
            // the handshake already failed; the error the user sees is that, not this
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** A buffer with {@code room} more bytes than {@code b}, holding b's content (both in write mode). */
    private static ByteBuffer larger(ByteBuffer b, int room) {
        ByteBuffer bigger = b.isDirect() ? ByteBuffer.allocateDirect(b.capacity() + room) : ByteBuffer.allocate(b.capacity() + room);
        b.flip();
        bigger.put(b);
        return bigger;
    }
}
