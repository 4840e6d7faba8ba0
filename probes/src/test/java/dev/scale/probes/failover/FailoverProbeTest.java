package dev.scale.probes.failover;

import dev.scale.probes.History;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.probes.Params;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the failover probe sums its runs up, and what it refuses before anything starts. */
class FailoverProbeTest {
    private static History.Analysis run(int acked, int lost, int unknown, Double window, Double promote) {
        return new History.Analysis(1000, acked, 1000 - acked - unknown, unknown, lost, 0, 0, window, promote);
    }

    @Test
    void runsAreSummedAndTheirWindowsGiveTheMedianAndTheWorst() {
        Map<String, Object> m = FailoverProbe.metrics(List.of(run(900, 0, 4, 2300.4, 2250.0), run(880, 3, 2, 5100.0, 5000.0),
                run(910, 0, 4, 2100.0, 2050.0)));
        assertThat(m).containsEntry("runs", 3).containsEntry("writes", 3000).containsEntry("acknowledged", 2690)
                .containsEntry("acknowledged_lost", 3).containsEntry("acknowledged_lost_max", 3).containsEntry("unknown", 10)
                .containsEntry("window_p50_ms", 2300L).containsEntry("window_max_ms", 5100L)
                .containsEntry("promote_p50_ms", 2250L).containsEntry("promote_max_ms", 5000L)
                .containsEntry("promoted_runs", 3).containsEntry("recovered", true);
    }

    @Test
    void aRunWithNoAcknowledgementAfterTheFaultIsNotRecoveredAndOneWithoutPromotionIsNotCounted() {
        Map<String, Object> m = FailoverProbe.metrics(List.of(run(300, 0, 4, null, null), run(900, 0, 4, 2000.0, 1900.0)));
        assertThat(m).containsEntry("recovered", false).containsEntry("promoted_runs", 1).containsEntry("window_p50_ms", 2000L)
                .containsEntry("promote_p50_ms", 1900L);
        assertThat(FailoverProbe.metrics(List.of(run(300, 0, 4, null, null)))).containsEntry("window_p50_ms", null)
                .containsEntry("window_max_ms", null);
    }

    @Test
    void anUnknownFaultIsRefused() {
        FailoverProbe probe = new FailoverProbe();
        assertThatThrownBy(() -> probe.check(Params.of(probe, Map.of("fault", "reboot"), true)))
                .hasMessageContaining("bad --fault 'reboot'");
        assertThatThrownBy(() -> Params.of(probe, Map.of("duration", "1s"), true)).hasMessageContaining("duration");
    }
}
