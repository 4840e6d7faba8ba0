package dev.scale.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.errors.ScaleException;
import dev.scale.probes.objects.ObjectProbe;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sizes as a user writes them: 64MB and 64MiB are the same 64 × 2^20 bytes; anything else is one usage line. */
class ParamsTest {
    private static final ObjectProbe PROBE = new ObjectProbe();

    @Test
    void sizesTakeBinaryUnitsWithOrWithoutTheI() {
        Params p = Params.of(PROBE, Map.of("largest", "1GiB", "medium", "1mib", "small", "4KB", "large", "64MB", "bytes", "4096"), false);
        assertThat(p.bytes("largest")).isEqualTo(1L << 30);
        assertThat(p.bytes("medium")).isEqualTo(1L << 20);
        assertThat(p.bytes("small")).isEqualTo(4096);
        assertThat(p.bytes("large")).isEqualTo(64L << 20);
        assertThat(p.bytes("bytes")).isEqualTo(4096);
        assertThatThrownBy(() -> Params.of(PROBE, Map.of("largest", "1TB"), false)).isInstanceOf(ScaleException.class)
                .hasMessageContaining("largest must be a size such as 64MB, 512KB or 4096, not '1TB'");
    }
}
