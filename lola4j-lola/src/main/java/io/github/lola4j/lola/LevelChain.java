package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;

/**
 * The ciphertext primes q_0 .. q_L as real numbers: what the plaintext twin and the simulator need
 * to follow scales exactly as CKKS does (a product encoded at scale q_level, rescaled by q_level).
 */
final class LevelChain {

    private final double[] primes;
    private final double[] log2Q; // log2(q_0 ... q_l)

    private LevelChain(double[] primes) {
        this.primes = primes;
        this.log2Q = new double[primes.length];
        double s = 0;
        for (int i = 0; i < primes.length; i++) {
            s += Math.log(primes[i]) / Math.log(2);
            log2Q[i] = s;
        }
    }

    /** The chain of a parameter set. */
    static LevelChain of(CkksParameters params) {
        double[] p = new double[params.maxLevel() + 1];
        for (int i = 0; i < p.length; i++) {
            p[i] = params.prime(i);
        }
        return new LevelChain(p);
    }

    /** A chain of primes of exactly 2^bits each (for plaintext-only simulations). */
    static LevelChain uniform(int maxLevel, int bits) {
        double[] p = new double[maxLevel + 1];
        java.util.Arrays.fill(p, Math.scalb(1.0, bits));
        return new LevelChain(p);
    }

    /** The top level L. */
    int maxLevel() {
        return primes.length - 1;
    }

    /** q_level. */
    double prime(int level) {
        return primes[level];
    }

    /** log2(q_0 ... q_level). */
    double log2Modulus(int level) {
        return log2Q[level];
    }
}
