package dev.scale.probes.stores.memcached;

import dev.scale.probes.EventLoop;

import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys an adapter's sessions, counters and relational model wrote, so that they can be removed by prefix.
 *
 * <p>memcached cannot list keys by prefix. Its one way to see keys, {@code lru_crawler metadump all} (1.6), is
 * not reliable enough to leave a user's server as it was: it refuses with {@code BUSY} while the crawler is
 * already at work (which on 1.6 is often: the LRU maintainer schedules crawls by itself), it is a walk of the
 * whole cache that misses items linked during the walk, it shows nothing on a server started with
 * {@code -o no_lru_crawler}, and its cost grows with the user's data, not the probe's. What the probe wrote it
 * knows exactly, so it remembers that and deletes by key; a key the server already expired or evicted just
 * answers {@code NOT_FOUND}. The cost is the set in memory, about a hundred bytes a key.
 */
final class WrittenKeys {
    private final Set<String> keys = ConcurrentHashMap.newKeySet();

    void add(String key) {
        keys.add(key);
    }

    /** Deletes every remembered key starting with {@code prefix}. */
    void deleteByPrefix(Endpoint endpoint, String prefix) throws IOException {
        List<String> matching = keys.stream().filter(k -> k.startsWith(prefix)).toList();
        deleteAll(endpoint, matching);
        matching.forEach(keys::remove);
    }

    /**
     * Deletes keys over one connection, 512 commands a batch, each reply counted (not {@code noreply}, whose
     * failures the server keeps to itself); a key already gone answers NOT_FOUND, which is fine.
     */
    static void deleteAll(Endpoint endpoint, Collection<String> keys) throws IOException {
        if (keys.isEmpty()) {
            return;
        }
        List<byte[]> all = new ArrayList<>(keys.size());
        for (String k : keys) {
            all.add(k.getBytes(StandardCharsets.UTF_8));
        }
        try (SocketChannel ch = open(endpoint)) {
            ByteBuffer out = ByteBuffer.allocate(512 * (MemcachedSession.MAX_KEY + 16));
            ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            MemcachedWire.Scanner scanner = new MemcachedWire.Scanner();
            for (int from = 0; from < all.size(); from += 512) {
                int n = Math.min(512, all.size() - from);
                out.clear();
                for (int i = from; i < from + n; i++) {
                    MemcachedWire.delete(out, all.get(i));
                }
                out.flip();
                EventLoop.writeFully(ch, out);
                if (!EventLoop.awaitReplies(ch, in, scanner, n)) {
                    throw new IOException("memcached closed the connection while deleting the probe's keys");
                }
                if (scanner.takeErrors() > 0) {
                    throw new IOException("memcached refused a delete: " + scanner.lastError());
                }
            }
        }
    }

    static SocketChannel open(Endpoint endpoint) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(endpoint.host(), endpoint.port()));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }
}
