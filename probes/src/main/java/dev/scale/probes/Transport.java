package dev.scale.probes;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A connection's bytes as the {@link EventLoop} and the drivers' blocking phases (login, load, clean-up) move
 * them: straight through the socket ({@link #plain}), or through TLS ({@link TlsTransport}), into and out of
 * the same reused buffers. The loop selects on {@link #channel()}; what TLS decrypted ahead of the caller's
 * room sits in the transport, where the selector cannot see it, so the loop asks {@link #buffered()}.
 */
public sealed interface Transport extends Closeable permits Transport.Plain, TlsTransport {

    /** The socket underneath, for the selector and socket options. */
    SocketChannel channel();

    /**
     * Reads what has arrived into {@code in}, as {@link SocketChannel#read} does: on a blocking channel waits for
     * at least one byte; on a non-blocking one may return 0.
     * @return the bytes given, or -1 when the server closed the connection
     */
    int read(ByteBuffer in) throws IOException;

    /** Sends all of {@code out}, spinning if the socket's send buffer is full (rare with the loop's sizes). */
    void writeFully(ByteBuffer out) throws IOException;

    /** Bytes received and not yet handed out by {@link #read}, which no selector will signal. */
    boolean buffered();

    static Transport plain(SocketChannel channel) {
        return new Plain(channel);
    }

    /** The socket as it is: each call is the channel's own, so the plaintext path costs what it did before TLS. */
    record Plain(SocketChannel channel) implements Transport {
        @Override
        public int read(ByteBuffer in) throws IOException {
            return channel.read(in);
        }

        @Override
        public void writeFully(ByteBuffer out) throws IOException {
            EventLoop.writeFully(channel, out);
        }

        @Override
        public boolean buffered() {
            return false;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
