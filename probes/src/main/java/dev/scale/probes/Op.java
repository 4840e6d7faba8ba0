package dev.scale.probes;

/** The operations of YCSB's core workloads. */
public enum Op {
    READ, UPDATE, INSERT, READ_MODIFY_WRITE;

    public String label() {
        return switch (this) {
            case READ -> "read";
            case UPDATE -> "update";
            case INSERT -> "insert";
            case READ_MODIFY_WRITE -> "rmw";
        };
    }
}
