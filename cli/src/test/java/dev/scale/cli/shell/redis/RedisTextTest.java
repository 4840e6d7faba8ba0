package dev.scale.cli.shell.redis;

import dev.scale.providers.kinds.redis.Resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** redis-cli's quoting and reply format. */
class RedisTextTest {
    private static List<String> split(String line) throws Exception {
        return RedisText.split(line).stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
    }

    @Test
    void argumentsSplitAsRedisCliSplitsThem() throws Exception {
        assertThat(split("SET  k   v")).containsExactly("SET", "k", "v");
        assertThat(split("SET k \"hello world\"")).containsExactly("SET", "k", "hello world");
        assertThat(split("SET k \"a\\nb\\x41\\\"\"")).containsExactly("SET", "k", "a\nbA\"");
        assertThat(split("SET k 'it\\'s'")).containsExactly("SET", "k", "it's");
        assertThat(split("SET k ''")).containsExactly("SET", "k", "");
        assertThatThrownBy(() -> RedisText.split("SET k \"open")).isInstanceOf(RedisText.BadQuotes.class);
        assertThatThrownBy(() -> RedisText.split("SET k \"a\"b")).isInstanceOf(RedisText.BadQuotes.class);
    }

    @Test
    void repliesPrintAsRedisCliPrintsThemOnATerminal() {
        assertThat(RedisText.format(new Resp.Status("OK"))).isEqualTo("OK\n");
        assertThat(RedisText.format(new Resp.Bulk("OK".getBytes()))).isEqualTo("\"OK\"\n");
        assertThat(RedisText.format(new Resp.Bulk(null))).isEqualTo("(nil)\n");
        assertThat(RedisText.format(new Resp.Int(42))).isEqualTo("(integer) 42\n");
        assertThat(RedisText.format(new Resp.Error("ERR wrong"))).isEqualTo("(error) ERR wrong\n");
        assertThat(RedisText.format(new Resp.Multi(List.of()))).isEqualTo("(empty array)\n");
        assertThat(RedisText.format(new Resp.Bulk(new byte[] {'a', '\n', (byte) 0xe9}))).isEqualTo("\"a\\n\\xe9\"\n");
        Resp.Multi nested = new Resp.Multi(List.of(
                new Resp.Multi(List.of(new Resp.Bulk("a".getBytes()), new Resp.Int(1))),
                new Resp.Bulk("b".getBytes())));
        assertThat(RedisText.format(nested)).isEqualTo("1) 1) \"a\"\n   2) (integer) 1\n2) \"b\"\n");
        List<Resp.Reply> ten = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ten.add(new Resp.Int(i));
        }
        assertThat(RedisText.format(new Resp.Multi(ten))).startsWith(" 1) (integer) 0\n").contains("\n10) (integer) 9\n");
    }
}
