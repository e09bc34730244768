package io.github.lola4j.nn;

import java.util.SplittableRandom;

/**
 * The trainer's randomness: every draw comes from a generator keyed by (seed, epoch, sample), never
 * from a shared stream, so results do not depend on which thread handles which sample.
 */
final class Seeds {

    private Seeds() {
    }

    /** A well-mixed key from (seed, epoch, index) (the SplitMix64 finaliser). */
    static long mix(long seed, long epoch, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fills {@code order} with a random permutation of 0..n-1 (Fisher-Yates) drawn from {@code key}. */
    static void shuffle(int[] order, long key) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(key);
        for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** A standard normal draw: Box-Muller with StrictMath, reproducible on every JVM. */
    static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }
}
