package dev.scale.probes;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * What the failover probe's writers did, and what it concludes once everything is read back: the Jepsen "set" test's
 * bookkeeping. Each write adds a unique id; its outcome is what the client saw: acknowledged, refused (the store said
 * no: it did not happen), or unknown (a timeout, a connection cut mid-request: it may or may not have happened).
 * After the fault is healed, the ids present in the store are read back, and every verdict comes from comparing the two.
 *
 * <p>Times are {@link System#nanoTime()} values of one run; ids are 0 to {@code capacity - 1}.
 */
public final class History {
    /** What a client saw of one write. */
    public enum Outcome { ACKNOWLEDGED, REFUSED, UNKNOWN }

    /** One write: its id, when it was sent and when its outcome came, and that outcome. */
    public record Write(int id, long sentNanos, long doneNanos, Outcome outcome) {
    }

    private final List<Write> writes = new ArrayList<>();
    private long faultNanos = -1;
    private long healedNanos = -1;
    private long promotedNanos = -1;
    private BitSet present;

    /** Records a write; called from the writers' threads. */
    public synchronized void add(Write w) {
        writes.add(w);
    }

    public synchronized void fault(long nanos) {
        faultNanos = nanos;
    }

    public synchronized void healed(long nanos) {
        healedNanos = nanos;
    }

    /** When the store named a new primary (Sentinel's switch, a promotion), where it says. */
    public synchronized void promoted(long nanos) {
        promotedNanos = nanos;
    }

    /** The ids read back after healing. */
    public synchronized void present(BitSet ids) {
        present = ids;
    }

    /** {@link #analyse(BitSet)} with the ids read back. */
    public synchronized Analysis analyse() {
        if (present == null) {
            throw new IllegalStateException("nothing read back");
        }
        return analyse(present);
    }

    /** What one run shows, the ids present read back after healing. */
    public record Analysis(int writes, int acknowledged, int refused, int unknown, int acknowledgedLost, int unknownPresent,
                           int refusedPresent, Double windowMillis, Double promoteMillis) {
    }

    /**
     * Compares what the clients saw with what the store holds:
     * <ul>
     * <li>acknowledged lost: acknowledged, and not there;</li>
     * <li>unknown present: of the writes whose outcome the client never learnt, those that happened;</li>
     * <li>refused present: refused, and there anyway (a store that says no and does it);</li>
     * <li>the unavailability window: the longest stretch without an acknowledgement that ends after the fault (a write
     * held through a pause and acknowledged once it ends closes it: that is when the store answered again); null when
     * none came after (the store never came back within the run);</li>
     * <li>time to promote: from the fault to the store naming a new primary, where it says.</li>
     * </ul>
     */
    public synchronized Analysis analyse(BitSet present) {
        if (faultNanos < 0) {
            throw new IllegalStateException("no fault recorded");
        }
        int acknowledged = 0;
        int refused = 0;
        int unknown = 0;
        int lost = 0;
        int unknownPresent = 0;
        int refusedPresent = 0;
        List<Long> acks = new ArrayList<>();
        for (Write w : writes) {
            boolean there = present.get(w.id());
            switch (w.outcome()) {
                case ACKNOWLEDGED -> {
                    acknowledged++;
                    if (!there) {
                        lost++;
                    }
                    acks.add(w.doneNanos());
                }
                case REFUSED -> {
                    refused++;
                    if (there) {
                        refusedPresent++;
                    }
                }
                case UNKNOWN -> {
                    unknown++;
                    if (there) {
                        unknownPresent++;
                    }
                }
            }
        }
        // the outage: the longest stretch without an acknowledgement that ends after the fault was injected (a write
        // the dying primary acknowledged a moment after the kill was asked for must not end it)
        acks.sort(null);
        Double window = null;
        for (int i = 1; i < acks.size(); i++) {
            if (acks.get(i) > faultNanos) {
                double gap = (acks.get(i) - acks.get(i - 1)) / 1e6;
                window = window == null ? gap : Math.max(window, gap);
            }
        }
        Double promote = promotedNanos < 0 ? null : (promotedNanos - faultNanos) / 1e6;
        return new Analysis(writes.size(), acknowledged, refused, unknown, lost, unknownPresent, refusedPresent, window, promote);
    }

    /** When the fault was healed, or -1. */
    public synchronized long healedNanos() {
        return healedNanos;
    }
}
