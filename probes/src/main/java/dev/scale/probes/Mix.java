package dev.scale.probes;

import dev.scale.errors.ScaleException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/** How often each operation is chosen: YCSB's workloads A, B, C and F, or explicit percentages. */
public record Mix(String name, Map<Op, Integer> percent) {

    public static Mix parse(String text) {
        String t = text.toLowerCase(Locale.ROOT).strip();
        return switch (t) {
            case "a" -> of("a", 50, 50, 0, 0);
            case "b" -> of("b", 95, 5, 0, 0);
            case "c" -> of("c", 100, 0, 0, 0);
            case "f" -> of("f", 50, 0, 0, 50);
            default -> custom(text);
        };
    }

    private static Mix of(String name, int read, int update, int insert, int rmw) {
        Map<Op, Integer> p = new EnumMap<>(Op.class);
        p.put(Op.READ, read);
        p.put(Op.UPDATE, update);
        p.put(Op.INSERT, insert);
        p.put(Op.READ_MODIFY_WRITE, rmw);
        return new Mix(name, p);
    }

    private static Mix custom(String text) {
        int read = 0, update = 0, insert = 0, rmw = 0;
        for (String part : text.split(",")) {
            String[] kv = part.strip().split("=");
            int value;
            try {
                value = kv.length == 2 ? Integer.parseInt(kv[1].strip()) : -1;
            } catch (NumberFormatException e) {
                value = -1;
            }
            if (value < 0) {
                throw bad(text);
            }
            switch (kv[0].strip().toLowerCase(Locale.ROOT)) {
                case "read" -> read = value;
                case "update" -> update = value;
                case "insert" -> insert = value;
                case "rmw", "read-modify-write" -> rmw = value;
                default -> throw bad(text);
            }
        }
        if (read + update + insert + rmw != 100) {
            throw ScaleException.usage("mix '" + text + "' adds up to " + (read + update + insert + rmw) + "%, not 100%",
                    "e.g. --mix read=95,update=5");
        }
        return of("read=" + read + ",update=" + update + ",insert=" + insert + ",rmw=" + rmw, read, update, insert, rmw);
    }

    private static ScaleException bad(String text) {
        return ScaleException.usage("unknown mix '" + text + "'", "use a, b, c, f, or percentages such as read=95,update=5");
    }

    public Op choose(SplittableRandom random) {
        int r = random.nextInt(100);
        for (Op op : Op.values()) {
            r -= percent.get(op);
            if (r < 0) {
                return op;
            }
        }
        return Op.READ;
    }

    public boolean has(Op op) {
        return percent.get(op) > 0;
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        percent.forEach((op, p) -> {
            if (p > 0) {
                b.append(b.length() == 0 ? "" : ", ").append(op.label()).append(' ').append(p).append('%');
            }
        });
        return b.toString();
    }
}
