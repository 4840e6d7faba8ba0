package dev.scale.providers;

/**
 * Something scale made whose record it cannot read: a truncated or corrupt state file (a full disk, a
 * crash mid-write, a hand edit), a container whose labels do not parse. It is not an instance scale can
 * connect to, but it may hold a process, a port or disk space: {@code ls} reports it and {@code gc} removes it.
 *
 * @param why one line, for ls and gc
 */
public record Broken(String name, String provider, String why) {
}
