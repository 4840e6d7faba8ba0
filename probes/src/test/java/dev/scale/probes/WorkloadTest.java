package dev.scale.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.errors.ScaleException;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    @Test
    void ycsbMixesAndCustomPercentages() {
        assertThat(Mix.parse("a").percent()).containsEntry(Op.READ, 50).containsEntry(Op.UPDATE, 50);
        assertThat(Mix.parse("B").percent()).containsEntry(Op.READ, 95).containsEntry(Op.UPDATE, 5);
        assertThat(Mix.parse("c").percent()).containsEntry(Op.READ, 100);
        assertThat(Mix.parse("f").percent()).containsEntry(Op.READ, 50).containsEntry(Op.READ_MODIFY_WRITE, 50);
        assertThat(Mix.parse("read=90,insert=10").percent()).containsEntry(Op.READ, 90).containsEntry(Op.INSERT, 10);
        assertThatThrownBy(() -> Mix.parse("z")).isInstanceOf(ScaleException.class).hasMessageContaining("unknown mix 'z'");
        assertThatThrownBy(() -> Mix.parse("read=90,update=5")).hasMessageContaining("adds up to 95%");
    }

    @Test
    void choicesFollowTheMix() {
        Mix b = Mix.parse("b");
        SplittableRandom r = new SplittableRandom(1);
        Map<Op, Integer> seen = new EnumMap<>(Op.class);
        for (int i = 0; i < 100_000; i++) {
            seen.merge(b.choose(r), 1, Integer::sum);
        }
        assertThat(seen.get(Op.READ)).isBetween(94_000, 96_000);
        assertThat(seen.get(Op.UPDATE)).isBetween(4_000, 6_000);
    }

    @Test
    void zipfianMakesAFewKeysHotUniformDoesNotAndAllStayInRange() {
        long keys = 10_000;
        int[] zipf = histogram(KeyChooser.of("zipfian", keys), keys);
        int[] uni = histogram(KeyChooser.of("uniform", keys), keys);
        assertThat(max(zipf)).as("the hottest zipfian key").isGreaterThan(20 * max(uni) / 2);
        assertThat(max(uni)).isLessThan(100); // 200k draws over 10k keys: about 20 each
        int[] latest = histogram(KeyChooser.of("latest", keys), keys);
        assertThat(latest[(int) keys - 1]).as("latest favours the newest key").isGreaterThan(latest[0] * 100);
        assertThatThrownBy(() -> KeyChooser.of("gaussian", 10)).hasMessageContaining("unknown distribution");
    }

    private static int[] histogram(KeyChooser chooser, long keys) {
        int[] h = new int[(int) keys];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            long k = chooser.next(r, keys - 1);
            assertThat(k).isBetween(0L, keys - 1);
            h[(int) k]++;
        }
        return h;
    }

    private static int max(int[] h) {
        int m = 0;
        for (int v : h) {
            m = Math.max(m, v);
        }
        return m;
    }
}
