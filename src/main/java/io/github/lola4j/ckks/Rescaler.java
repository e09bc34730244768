package io.github.lola4j.ckks;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Ntt;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;

/**
 * Division by the last prime with rounding to nearest, the CKKS rescale, with the constants
 * q_l^-1 mod q_i of one parameter set. Immutable and thread-safe.
 *
 * <p>round(c / q_l) = (c + h - ((c + h) mod q_l)) / q_l with h = floor(q_l / 2); the residue
 * (c + h) mod q_l comes from the last limb after one inverse NTT, is reduced into every other prime
 * and brought back to NTT form there: one inverse NTT and l forward NTTs per polynomial.
 */
final class Rescaler {

    private final long[][] lastPrimeInverse;      // [l][i] = q_l^-1 mod q_i, i < l
    private final long[][] lastPrimeInverseShoup;

    Rescaler(CkksParameters params) {
        int levels = params.maxLevel() + 1;
        lastPrimeInverse = new long[levels][];
        lastPrimeInverseShoup = new long[levels][];
        RnsRing q = params.ringQ();
        for (int l = 1; l < levels; l++) {
            lastPrimeInverse[l] = new long[l];
            lastPrimeInverseShoup[l] = new long[l];
            for (int i = 0; i < l; i++) {
                Modulus qi = q.modulus(i);
                lastPrimeInverse[l][i] = qi.inv(qi.reduce(q.modulus(l).value()));
                lastPrimeInverseShoup[l][i] = qi.shoup(lastPrimeInverse[l][i]);
            }
        }
    }

    /**
     * out = round(x / q_l), l = x.level().
     *
     * @param x   a polynomial at level l &ge; 1 in NTT form (not modified)
     * @param out a polynomial at level l - 1 (modified)
     * @param par the parallelism
     */
    void rescale(RnsPoly x, RnsPoly out, Parallelism par) {
        int level = x.level();
        RnsRing ring = x.ring();
        Modulus ql = ring.modulus(level);
        long[] last = x.limb(level).clone();
        Ntt.inverse(last, ring.tables(level));
        long half = ql.value() >>> 1;
        for (int c = 0; c < last.length; c++) {
            last[c] = ql.add(last[c], half);
        }
        long[] inv = lastPrimeInverse[level];
        long[] invShoup = lastPrimeInverseShoup[level];
        par.forEach(level, i -> {
            Modulus qi = ring.modulus(i);
            long q = qi.value();
            long halfModQi = qi.reduce(half);
            long[] t = new long[last.length];
            for (int c = 0; c < t.length; c++) {
                t[c] = qi.sub(qi.reduce(last[c]), halfModQi);
            }
            Ntt.forward(t, ring.tables(i));
            long[] xi = x.limb(i);
            long[] z = out.limb(i);
            for (int c = 0; c < t.length; c++) {
                long d = xi[c] - t[c];
                d += (d >> 63) & q;
                z[c] = qi.mulShoup(d, inv[i], invShoup[i]);
            }
        });
        out.setNtt(true);
    }
}
