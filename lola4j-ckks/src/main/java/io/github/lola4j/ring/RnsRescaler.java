package io.github.lola4j.ring;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Ntt;

/**
 * Division by the last prime with rounding to nearest (the CKKS rescale; Lattigo's
 * {@code ring/scaling.go}), with the constants q_l^-1 mod q_i of one chain of primes, built from
 * its ring. Immutable and thread-safe.
 *
 * <p>round(c / q_l) = (c + h - ((c + h) mod q_l)) / q_l with h = floor(q_l / 2); the residue
 * (c + h) mod q_l comes from the last limb after one inverse NTT, is reduced into every other prime
 * and brought back to NTT form there: one inverse NTT and l forward NTTs per polynomial.
 */
public final class RnsRescaler {

    private final long[][] lastPrimeInverse;      // [l][i] = q_l^-1 mod q_i, i < l
    private final long[][] lastPrimeInverseShoup;

    /**
     * Builds the constants of every level.
     *
     * @param q the ring over q_0 .. q_L
     */
    public RnsRescaler(RnsRing q) {
        int levels = q.limbs();
        lastPrimeInverse = new long[levels][];
        lastPrimeInverseShoup = new long[levels][];
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
    public void rescale(RnsPoly x, RnsPoly out, Parallelism par) {
        int level = x.level();
        RnsRing ring = x.ring();
        Modulus ql = ring.modulus(level);
        long qlv = ql.value();
        long[] last = x.limb(level).clone();
        Ntt.inverse(last, ring.tables(level));
        long half = qlv >>> 1;
        for (int c = 0; c < last.length; c++) {
            long s = last[c] + half - qlv;
            last[c] = s + ((s >> 63) & qlv);
        }
        long[] inv = lastPrimeInverse[level];
        long[] invShoup = lastPrimeInverseShoup[level];
        par.forEach(level, i -> {
            Modulus qi = ring.modulus(i);
            long q = qi.value();
            long halfModQi = qi.reduce(half);
            long[] t = new long[last.length];
            // t = ((c + h) mod q_l) - h in [0, q_i): (c + h) mod q_l < q_l needs no reduction or one
            // subtraction when q_l is at most twice q_i, the usual case.
            if (qlv <= 2 * q) {
                long sub = qlv <= q ? 0 : q;
                for (int c = 0; c < t.length; c++) {
                    long s = last[c] - sub;
                    s += (s >> 63) & q;
                    s -= halfModQi;
                    t[c] = s + ((s >> 63) & q);
                }
            } else {
                for (int c = 0; c < t.length; c++) {
                    t[c] = qi.sub(qi.reduce(last[c]), halfModQi);
                }
            }
            Ntt.forwardLazy(t, ring.tables(i));
            long[] xi = x.limb(i);
            long[] z = out.limb(i);
            long q2 = 2 * q;
            long w = inv[i];
            long wp = invShoup[i];
            for (int c = 0; c < t.length; c++) {
                // NTT(t) in [0, 4q) is brought into [0, 2q) so that x + 2q - NTT(t) lies in (0, 3q).
                long u = t[c] - q2;
                u += (u >> 63) & q2;
                z[c] = qi.mulShoup(xi[c] + q2 - u, w, wp);
            }
        });
        out.setNtt(true);
    }
}
