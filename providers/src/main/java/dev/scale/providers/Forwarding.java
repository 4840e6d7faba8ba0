package dev.scale.providers;

import java.util.List;
import java.util.Set;

/** Forwarders kept for instances (or containers) by key: {@link Forwarders} one process each, {@link SharedForwarders} one per place. */
public interface Forwarding {
    /** Stops forwarding {@code key}'s ports, and forgets them. */
    void close(String key);

    /** Stops forwarding for the keys not in {@code existing}: what a removal elsewhere, or a crash, left; those stopped. */
    List<String> retainOnly(Set<String> existing);

    /** What forwards now, for ls: how many instances and which processes; empty when nothing is forwarded. */
    String describe();
}
