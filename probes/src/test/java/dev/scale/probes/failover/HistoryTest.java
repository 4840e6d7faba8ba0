package dev.scale.probes.failover;

import dev.scale.probes.History;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.History.Outcome;
import dev.scale.probes.History.Write;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** The set test's bookkeeping on histories written out by hand: each count a user would read in the report. */
class HistoryTest {
    private static final long MS = 1_000_000;

    @Test
    void anAcknowledgedWriteMissingAfterHealingIsLostAndTheWindowRunsFromTheLastAckBeforeToTheFirstAfter() {
        History h = new History();
        h.add(new Write(0, 0, 2 * MS, Outcome.ACKNOWLEDGED));
        h.add(new Write(1, 10 * MS, 12 * MS, Outcome.ACKNOWLEDGED)); // acknowledged by the old primary, never replicated
        h.fault(15 * MS);
        h.add(new Write(2, 20 * MS, 1020 * MS, Outcome.UNKNOWN)); // timed out: may or may not have happened
        h.add(new Write(3, 1030 * MS, 1031 * MS, Outcome.REFUSED)); // READONLY from a replica: did not happen
        h.promoted(1600 * MS);
        h.add(new Write(4, 1700 * MS, 1702 * MS, Outcome.ACKNOWLEDGED));
        h.healed(3000 * MS);
        BitSet present = new BitSet();
        present.set(0);
        present.set(2);
        present.set(4);
        History.Analysis a = h.analyse(present);
        assertThat(a.writes()).isEqualTo(5);
        assertThat(a.acknowledged()).isEqualTo(3);
        assertThat(a.acknowledgedLost()).isEqualTo(1);
        assertThat(a.unknown()).isEqualTo(1);
        assertThat(a.unknownPresent()).isEqualTo(1);
        assertThat(a.refused()).isEqualTo(1);
        assertThat(a.refusedPresent()).isZero();
        assertThat(a.windowMillis()).isEqualTo(1690.0); // 12 ms to 1702 ms
        assertThat(a.promoteMillis()).isEqualTo(1585.0);
    }

    /** A pause: a write sent before it is held and acknowledged once it ends; that is when the store answered again. */
    @Test
    void aWriteHeldThroughAPauseEndsTheWindowWhenItsAcknowledgementComes() {
        History h = new History();
        h.add(new Write(0, 0, 1 * MS, Outcome.ACKNOWLEDGED));
        h.add(new Write(1, 5 * MS, 2005 * MS, Outcome.ACKNOWLEDGED));
        h.fault(4 * MS);
        BitSet present = new BitSet();
        present.set(0, 2);
        History.Analysis a = h.analyse(present);
        assertThat(a.acknowledgedLost()).isZero();
        assertThat(a.windowMillis()).isEqualTo(2004.0);
        assertThat(a.promoteMillis()).isNull();
    }

    /** A write the dying primary acknowledged just after the kill was asked for does not end the outage. */
    @Test
    void anAcknowledgementRightAfterTheFaultDoesNotHideTheOutageThatFollows() {
        History h = new History();
        h.add(new Write(0, 0, 1 * MS, Outcome.ACKNOWLEDGED));
        h.fault(2 * MS);
        h.add(new Write(1, 1 * MS, 3 * MS, Outcome.ACKNOWLEDGED));
        h.add(new Write(2, 4 * MS, 2500 * MS, Outcome.ACKNOWLEDGED));
        h.add(new Write(3, 2600 * MS, 2601 * MS, Outcome.ACKNOWLEDGED));
        BitSet present = new BitSet();
        present.set(0, 4);
        assertThat(h.analyse(present).windowMillis()).isEqualTo(2497.0);
    }

    @Test
    void noAcknowledgementAfterTheFaultLeavesTheWindowUnmeasuredAndARefusedWriteThatHappenedIsCounted() {
        History h = new History();
        h.add(new Write(0, 0, 1 * MS, Outcome.ACKNOWLEDGED));
        h.fault(2 * MS);
        h.add(new Write(1, 3 * MS, 4 * MS, Outcome.REFUSED));
        BitSet present = new BitSet();
        present.set(0, 2);
        History.Analysis a = h.analyse(present);
        assertThat(a.windowMillis()).isNull();
        assertThat(a.refusedPresent()).isEqualTo(1);
    }
}
