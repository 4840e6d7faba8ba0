package dev.scale.probes;

import dev.scale.errors.ScaleException;
import java.util.SplittableRandom;

/**
 * Which key an operation touches, as YCSB chooses it: uniform; zipfian (a few keys hot, spread over
 * the keyspace by hashing, as YCSB's scrambled zipfian does); latest (skewed to the newest keys).
 */
public interface KeyChooser {

    /** A key in [0, keyCount) for reads and updates; {@code newest} is the highest key inserted so far. */
    long next(SplittableRandom random, long newest);

    static KeyChooser of(String distribution, long keys) {
        return switch (distribution) {
            case "uniform" -> (random, newest) -> random.nextLong(newest + 1);
            case "zipfian" -> new Zipfian(keys, true);
            case "latest" -> {
                Zipfian z = new Zipfian(keys, false);
                yield (random, newest) -> Math.max(0, newest - z.next(random, newest));
            }
            default -> throw ScaleException.usage("unknown distribution '" + distribution + "'", "use zipfian, uniform or latest");
        };
    }

    /** YCSB's ZipfianGenerator (Gray et al., "Quickly generating billion-record synthetic databases"), constant 0.99. */
    final class Zipfian implements KeyChooser {
        private static final double THETA = 0.99;
        private final long items;
        private final boolean scrambled;
        private final double alpha;
        private final double zetan;
        private final double eta;
        private final double half;

        Zipfian(long items, boolean scrambled) {
            this.items = items;
            this.scrambled = scrambled;
            double zeta2 = zeta(2);
            this.zetan = zeta(items);
            this.alpha = 1.0 / (1.0 - THETA);
            this.eta = (1 - Math.pow(2.0 / items, 1 - THETA)) / (1 - zeta2 / zetan);
            this.half = 1 + Math.pow(0.5, THETA);
        }

        /** Exact up to ten million keys; beyond, the tail is the integral of x^-theta (error well below 1e-6). */
        private static double zeta(long n) {
            long exact = Math.min(n, 10_000_000L);
            double sum = 0;
            for (long i = 1; i <= exact; i++) {
                sum += 1 / Math.pow(i, THETA);
            }
            if (n > exact) {
                sum += (Math.pow(n, 1 - THETA) - Math.pow(exact, 1 - THETA)) / (1 - THETA);
            }
            return sum;
        }

        @Override
        public long next(SplittableRandom random, long newest) {
            double u = random.nextDouble();
            double uz = u * zetan;
            long rank;
            if (uz < 1.0) {
                rank = 0;
            } else if (uz < half) {
                rank = 1;
            } else {
                rank = (long) (items * Math.pow(eta * u - eta + 1, alpha));
            }
            if (!scrambled) {
                return Math.min(rank, items - 1);
            }
            return Long.remainderUnsigned(fnv(rank), items);
        }

        private static long fnv(long v) {
            long hash = 0xCBF29CE484222325L;
            for (int i = 0; i < 8; i++) {
                hash ^= v & 0xff;
                hash *= 0x100000001B3L;
                v >>>= 8;
            }
            return hash;
        }
    }
}
