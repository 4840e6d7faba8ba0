package dev.scale.probes.stores.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WireTest {
    @Test
    void scannerCountsRepliesSplitAnywhereAcrossReads() {
        String replies = "+OK\r\n$5\r\nhello\r\n$-1\r\n:42\r\n-ERR nope\r\n$0\r\n\r\n";
        byte[] bytes = replies.getBytes(StandardCharsets.US_ASCII);
        for (int cut = 1; cut < bytes.length; cut++) {
            Wire.Scanner s = new Wire.Scanner();
            int done = s.scan(ByteBuffer.wrap(bytes, 0, cut)) + s.scan(ByteBuffer.wrap(bytes, cut, bytes.length - cut));
            assertThat(done).as("cut at " + cut).isEqualTo(6);
            assertThat(s.takeErrors()).isEqualTo(1);
        }
    }

    @Test
    void commandsAreValidResp() {
        ByteBuffer out = ByteBuffer.allocate(256);
        Wire.get(out, 42);
        Wire.set(out, 7, Wire.bulkHeader(3), new byte[] {'a', 'b', 'c'});
        String text = new String(out.array(), 0, out.position(), StandardCharsets.US_ASCII);
        assertThat(text).isEqualTo("*2\r\n$3\r\nGET\r\n$19\r\nscale:kv:0000000042\r\n"
                + "*3\r\n$3\r\nSET\r\n$19\r\nscale:kv:0000000007\r\n$3\r\nabc\r\n");
    }
}
