package io.github.lola4j.ckks;

import io.github.lola4j.math.BaseConverter;
import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Ntt;
import io.github.lola4j.math.RnsBasis;
import io.github.lola4j.ring.Parallelism;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Hybrid key switching (Han and Ki 2020) and the ModUp / ModDown conversions it is made of, with
 * the per-level constants of one parameter set.
 *
 * <p>To switch d (at level l, under s') to s: split d's primes into the digits D_j of the set
 * (restricted to q_0 .. q_l); extend each digit's residues to all of Q_l and P by fast base
 * conversion (ModUp: exact on D_j, off by a small multiple of D_j elsewhere); take the inner
 * product with the key's digits over Q_l P; divide by P with rounding (ModDown). The key's gadget
 * makes the result decrypt to d s' up to a noise of about (D_j / P) N sigma. Rotations reuse the
 * ModUp of c_1 for many Galois elements (hoisting): an automorphism in NTT form is a permutation
 * of evaluation points, so it is applied while reading the decomposed digits.
 *
 * <p>Immutable after construction except for caches of base converters; thread-safe.
 */
final class KeySwitcher {

    private final CkksParameters params;
    private final int maxLevel;
    private final int specialCount;
    private final RnsRing[] ringQPAtLevel;
    private final BaseConverter[] modDownConverters;   // P -> Q_l, per level l
    private final long[] pModQ;                        // P mod q_i, the gadget factor of switching keys
    private final long[] pModQShoup;
    private final long[] pInvModQ;                     // P^-1 mod q_i
    private final long[] pInvModQShoup;
    private final ConcurrentMap<Integer, BaseConverter> modUpConverters = new ConcurrentHashMap<>();

    KeySwitcher(CkksParameters params) {
        this.params = params;
        this.maxLevel = params.maxLevel();
        this.specialCount = params.specialPrimes().length;
        RnsRing ringQ = params.ringQ();
        RnsRing ringP = params.ringP();
        ringQPAtLevel = new RnsRing[maxLevel + 1];
        modDownConverters = new BaseConverter[maxLevel + 1];
        RnsBasis basisP = ringP.basis();
        for (int l = 0; l <= maxLevel; l++) {
            ringQPAtLevel[l] = ringQ.atLevel(l).concat(ringP);
            modDownConverters[l] = new BaseConverter(basisP, ringQ.atLevel(l).basis());
        }
        pModQ = new long[maxLevel + 1];
        pModQShoup = new long[maxLevel + 1];
        pInvModQ = new long[maxLevel + 1];
        pInvModQShoup = new long[maxLevel + 1];
        for (int i = 0; i <= maxLevel; i++) {
            Modulus qi = ringQ.modulus(i);
            long pMod = 1;
            for (long p : params.specialPrimes()) {
                pMod = qi.mul(pMod, qi.reduce(p));
            }
            pModQ[i] = pMod;
            pModQShoup[i] = qi.shoup(pMod);
            pInvModQ[i] = qi.inv(pMod);
            pInvModQShoup[i] = qi.shoup(pInvModQ[i]);
        }
    }

    /** P mod q_i, the factor a switching key multiplies s' by on the primes of its digit. */
    long pModQ(int i) {
        return pModQ[i];
    }

    /** The Shoup companion of {@link #pModQ(int)}. */
    long pModQShoup(int i) {
        return pModQShoup[i];
    }

    /** The ring Q_l followed by P. */
    RnsRing ringQP(int level) {
        return ringQPAtLevel[level];
    }

    /** The number of digits that intersect q_0 .. q_level. */
    int digitsAtLevel(int level) {
        int d = 0;
        while (d < params.dnum() && params.digitStart(d) <= level) {
            d++;
        }
        return d;
    }

    private BaseConverter modUpConverter(int digit, int level) {
        int key = digit * (maxLevel + 1) + level;
        return modUpConverters.computeIfAbsent(key, k -> {
            int start = params.digitStart(digit);
            int end = Math.min(params.digitEnd(digit), level + 1);
            RnsRing qp = ringQPAtLevel[level];
            long[] from = new long[end - start];
            long[] to = new long[qp.limbs() - from.length];
            int t = 0;
            for (int i = 0; i < qp.limbs(); i++) {
                long v = qp.modulus(i).value();
                if (i >= start && i < end) {
                    from[i - start] = v;
                } else {
                    to[t++] = v;
                }
            }
            return new BaseConverter(new RnsBasis(from), new RnsBasis(to));
        });
    }

    /**
     * ModUp: the digits of d extended to Q_l P, in NTT form.
     *
     * @param d   a polynomial at level l in NTT form (not modified)
     * @param par the parallelism
     * @return one polynomial over {@link #ringQP(int)} per digit
     */
    RnsPoly[] modUp(RnsPoly d, Parallelism par) {
        int level = d.level();
        int digits = digitsAtLevel(level);
        RnsRing qp = ringQPAtLevel[level];
        int limbsQP = qp.limbs();
        RnsPoly coeff = d.copy();
        par.forEach(level + 1, i -> Ntt.inverse(coeff.limb(i), coeff.ring().tables(i)));
        RnsPoly[] out = new RnsPoly[digits];
        for (int j = 0; j < digits; j++) {
            out[j] = new RnsPoly(qp, true);
        }
        par.forEach(digits, j -> {
            int start = params.digitStart(j);
            int end = Math.min(params.digitEnd(j), level + 1);
            long[][] in = new long[end - start][];
            for (int i = start; i < end; i++) {
                in[i - start] = coeff.limb(i);
            }
            long[][] dst = new long[limbsQP - (end - start)][];
            int t = 0;
            for (int i = 0; i < limbsQP; i++) {
                if (i < start || i >= end) {
                    dst[t++] = out[j].limb(i);
                }
            }
            modUpConverter(j, level).convertCentered(in, dst);
            for (int i = 0; i < limbsQP; i++) {
                if (i >= start && i < end) {
                    System.arraycopy(d.limb(i), 0, out[j].limb(i), 0, d.ringDegree());
                } else {
                    Ntt.forward(out[j].limb(i), qp.tables(i));
                }
            }
        });
        return out;
    }

    /**
     * The inner product of decomposed digits with a key: (acc0, acc1) = sum_j digit_j o (b_j, a_j),
     * over Q_l P in NTT form, reading each digit through an automorphism's index map.
     *
     * @param digits the ModUp output (not modified)
     * @param map    the NTT-form automorphism map (value at map[k] goes to k), or null for none
     * @param key    the switching key
     * @param level  the level l
     * @param par    the parallelism
     * @return {acc0, acc1} over {@link #ringQP(int)}
     */
    RnsPoly[] innerProduct(RnsPoly[] digits, int[] map, SwitchingKey key, int level, Parallelism par) {
        RnsRing qp = ringQPAtLevel[level];
        RnsPoly acc0 = new RnsPoly(qp, true);
        RnsPoly acc1 = new RnsPoly(qp, true);
        int n = qp.ringDegree();
        int limbs = qp.limbs();
        par.forEach(limbs, t -> {
            int keyLimb = t <= level ? t : maxLevel + 1 + (t - level - 1);
            Modulus m = qp.modulus(t);
            long q = m.value();
            long[] z0 = acc0.limb(t);
            long[] z1 = acc1.limb(t);
            // An automorphism is applied by gathering each digit row into a scratch row first, so
            // that the multiply-accumulate loop below streams (a gather inside it was 3x slower).
            long[] gathered = map == null ? null : new long[n];
            for (int j = 0; j < digits.length; j++) {
                long[] x = digits[j].limb(t);
                if (map != null) {
                    for (int c = 0; c < n; c++) {
                        gathered[c] = x[map[c]];
                    }
                    x = gathered;
                }
                long[] b = key.b(j).limb(keyLimb);
                long[] a = key.a(j).limb(keyLimb);
                for (int c = 0; c < n; c++) {
                    long v = x[c];
                    long s0 = z0[c] + m.mul(v, b[c]) - q;
                    z0[c] = s0 + ((s0 >> 63) & q);
                    long s1 = z1[c] + m.mul(v, a[c]) - q;
                    z1[c] = s1 + ((s1 >> 63) & q);
                }
            }
        });
        return new RnsPoly[] {acc0, acc1};
    }

    /**
     * ModDown: x over Q_l P (NTT form) divided by P with rounding, into Q_l (NTT form).
     *
     * @param x   the input (its P limbs are modified as scratch)
     * @param out a polynomial over Q_l (modified; may not alias x)
     * @param par the parallelism
     */
    void modDown(RnsPoly x, RnsPoly out, Parallelism par) {
        int level = out.level();
        RnsRing qp = ringQPAtLevel[level];
        int n = qp.ringDegree();
        long[][] pRows = new long[specialCount][];
        for (int k = 0; k < specialCount; k++) {
            pRows[k] = x.limb(level + 1 + k);
        }
        par.forEach(specialCount, k -> Ntt.inverse(pRows[k], qp.tables(level + 1 + k)));
        long[][] conv = new long[level + 1][n];
        modDownConverters[level].convertCentered(pRows, conv);
        par.forEach(level + 1, i -> {
            Modulus m = qp.modulus(i);
            long q = m.value();
            long[] t = conv[i];
            Ntt.forward(t, qp.tables(i));
            long[] xi = x.limb(i);
            long[] z = out.limb(i);
            long w = pInvModQ[i];
            long wp = pInvModQShoup[i];
            for (int c = 0; c < n; c++) {
                long d = xi[c] - t[c];
                d += (d >> 63) & q;
                z[c] = m.mulShoup(d, w, wp);
            }
        });
        out.setNtt(true);
    }

    /**
     * Switches d (under s') to a pair (c0, c1) at d's level with c0 + c1 s ~ d s'.
     *
     * @param d   a polynomial at level l in NTT form (not modified)
     * @param key the key from s' to s
     * @param par the parallelism
     * @return {c0, c1} over Q_l, NTT form
     */
    RnsPoly[] switchKey(RnsPoly d, SwitchingKey key, Parallelism par) {
        RnsPoly[] digits = modUp(d, par);
        return finish(innerProduct(digits, null, key, d.level(), par), d.level(), par);
    }

    /** ModDown of both accumulators. */
    RnsPoly[] finish(RnsPoly[] acc, int level, Parallelism par) {
        RnsRing q = params.ringQ().atLevel(level);
        RnsPoly c0 = new RnsPoly(q, true);
        RnsPoly c1 = new RnsPoly(q, true);
        modDown(acc[0], c0, par);
        modDown(acc[1], c1, par);
        return new RnsPoly[] {c0, c1};
    }

    /**
     * The limbs of a key polynomial (over all of Q and P) that belong to Q_l P, as a view.
     *
     * @param full  a polynomial over {@link CkksParameters#ringQP()}
     * @param level the level l
     * @return the view over {@link #ringQP(int)} (shares rows)
     */
    RnsPoly restrictToLevel(RnsPoly full, int level) {
        long[][] rows = new long[level + 1 + specialCount][];
        for (int i = 0; i <= level; i++) {
            rows[i] = full.limb(i);
        }
        for (int k = 0; k < specialCount; k++) {
            rows[level + 1 + k] = full.limb(maxLevel + 1 + k);
        }
        return RnsPoly.wrap(ringQPAtLevel[level], rows, full.isNtt());
    }
}
