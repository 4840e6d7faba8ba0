package dev.scale.probes.objects;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What of the Java heap is still in use after each garbage collection while it is open, at its peak: the memory the
 * code really holds, not the garbage a streaming loop leaves behind it between collections (which "heap used"
 * would count). Where no collection ran at all, the heap in use when it closes stands for it, an upper bound.
 */
final class HeapWatch implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::collected;
    private volatile boolean collectedOnce;

    HeapWatch() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
    }

    private void collected(Notification n, Object handback) {
        if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        long after = 0;
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage used = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
            if (used != null && pool.getType() == java.lang.management.MemoryType.HEAP) {
                after += used.getUsed();
            }
        }
        collectedOnce = true;
        peak.accumulateAndGet(after, Math::max);
    }

    /** The peak so far: live heap after a collection, or, before any, the heap in use now. */
    long peak() {
        return collectedOnce ? peak.get() : ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // gone already
            }
        }
    }
}
