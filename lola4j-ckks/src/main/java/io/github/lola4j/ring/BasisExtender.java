package io.github.lola4j.ring;

import io.github.lola4j.math.BaseConverter;
import io.github.lola4j.math.Modulus;
import io.github.lola4j.math.Ntt;
import io.github.lola4j.math.RnsBasis;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * ModUp and ModDown between the bases Q_l = q_0 .. q_l and P = p_0 .. p_(k-1), the two halves of
 * hybrid key switching (Han and Ki 2020; Lattigo's {@code ring/basis_extension.go}), built from
 * the two rings and the partition of Q's primes into digits, never from a scheme's parameters.
 *
 * <p>ModUp extends each digit D_j of a polynomial at level l (its residues on the primes of D_j
 * that lie in Q_l) to every prime of Q_l P by exact centered fast base conversion. ModDown divides
 * a polynomial over Q_l P by P with centered rounding, optionally adding a small polynomial given by
 * its coefficients first at no extra transform.
 *
 * <p>Montgomery digits: when more than one digit meets Q_l, ModUp multiplies the limbs of the
 * primes of at least 2^30 by 2^64 mod the prime (folded into the conversion's constants), so that a
 * caller summing 128-bit products over the digits reduces the whole sum once by Montgomery
 * reduction. Primes below 2^30 ({@link #small}) never carry the factor: their products are summed
 * in 64 bits.
 *
 * <p>Immutable after construction except for a cache of base converters; thread-safe.
 */
public final class BasisExtender {

    private final RnsRing ringQ;
    private final int maxLevel;
    private final int specialCount;
    private final int[] digitStarts;                   // digit j covers primes [digitStarts[j], digitStarts[j + 1])
    private final RnsRing[] ringQPAtLevel;
    private final BaseConverter[] modDownConverters;   // P -> Q_l, per level l
    private final long[] pModQ;                        // P mod q_i
    private final long[] pModQShoup;
    private final long[] pInvModQ;                     // P^-1 mod q_i
    private final long[] pInvModQShoup;
    private final long[] montgomeryR;                  // 2^64 mod q_i, for the digit limbs ModUp copies
    private final long[] montgomeryRShoup;
    private final ConcurrentMap<Integer, BaseConverter> modUpConverters = new ConcurrentHashMap<>();

    /**
     * Builds the constants of every level.
     *
     * @param ringQ       the ring over q_0 .. q_L
     * @param ringP       the ring over the special primes P, of the same degree
     * @param digitStarts the first prime index of each digit, ascending from 0, then L + 1
     * @throws IllegalArgumentException when the partition does not cover q_0 .. q_L in order
     */
    public BasisExtender(RnsRing ringQ, RnsRing ringP, int[] digitStarts) {
        this.ringQ = ringQ;
        this.maxLevel = ringQ.limbs() - 1;
        this.specialCount = ringP.limbs();
        if (digitStarts.length < 2 || digitStarts[0] != 0 || digitStarts[digitStarts.length - 1] != maxLevel + 1) {
            throw new IllegalArgumentException("the digits must start at prime 0 and end at " + (maxLevel + 1));
        }
        for (int j = 1; j < digitStarts.length; j++) {
            if (digitStarts[j] <= digitStarts[j - 1]) {
                throw new IllegalArgumentException("digit " + (j - 1) + " is empty or out of order");
            }
        }
        this.digitStarts = digitStarts.clone();
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
        montgomeryR = new long[maxLevel + 1];
        montgomeryRShoup = new long[maxLevel + 1];
        for (int i = 0; i <= maxLevel; i++) {
            Modulus qi = ringQ.modulus(i);
            long pMod = 1;
            for (int k = 0; k < specialCount; k++) {
                pMod = qi.mul(pMod, qi.reduce(ringP.modulus(k).value()));
            }
            pModQ[i] = pMod;
            pModQShoup[i] = qi.shoup(pMod);
            pInvModQ[i] = qi.inv(pMod);
            pInvModQShoup[i] = qi.shoup(pInvModQ[i]);
            montgomeryR[i] = qi.montgomeryFactor();
            montgomeryRShoup[i] = qi.shoup(montgomeryR[i]);
        }
    }

    /** The ring Q_l followed by P. */
    public RnsRing ringQP(int level) {
        return ringQPAtLevel[level];
    }

    /** P mod q_i: the gadget factor of switching keys on the primes of Q. */
    public long pModQ(int i) {
        return pModQ[i];
    }

    /** The Shoup companion of {@link #pModQ(int)}. */
    public long pModQShoup(int i) {
        return pModQShoup[i];
    }

    /** The number of digits that meet q_0 .. q_level. */
    public int digitsAtLevel(int level) {
        if (level < 0 || level > maxLevel) {
            throw new IllegalArgumentException("level " + level + " is outside [0, " + maxLevel + "]");
        }
        return digitsMeeting(digitStarts, level);
    }

    /**
     * The number of digits of a partition that meet q_0 .. q_level: those starting at or below it.
     *
     * @param digitStarts the first prime index of each digit, ascending from 0, then L + 1
     * @param level       the level, in [0, L]
     * @return the count, at least 1
     */
    public static int digitsMeeting(int[] digitStarts, int level) {
        int d = 0;
        while (d < digitStarts.length - 1 && digitStarts[d] <= level) {
            d++;
        }
        return d;
    }

    /**
     * Whether ModUp at this level leaves the digits' limbs of primes of at least 2^30 multiplied by
     * 2^64 (see the class description): when more than one digit meets Q_l. With a single digit
     * there is no sum, the digits stay plain.
     */
    public boolean montgomeryDigits(int level) {
        return digitsAtLevel(level) > 1;
    }

    /**
     * Whether a prime's products are summed in 64 bits: every product of two residues is below
     * 2^60, so a sum of several fits a signed long (such limbs never carry the Montgomery factor).
     */
    public static boolean small(Modulus m) {
        return m.value() < (1L << 30);
    }

    private BaseConverter modUpConverter(int digit, int level) {
        int key = digit * (maxLevel + 1) + level;
        boolean montgomery = montgomeryDigits(level);
        return modUpConverters.computeIfAbsent(key, k -> {
            int start = digitStarts[digit];
            int end = Math.min(digitStarts[digit + 1], level + 1);
            RnsRing qp = ringQPAtLevel[level];
            long[] from = new long[end - start];
            long[] to = new long[qp.limbs() - from.length];
            long[] factors = new long[to.length];
            int t = 0;
            for (int i = 0; i < qp.limbs(); i++) {
                long v = qp.modulus(i).value();
                if (i >= start && i < end) {
                    from[i - start] = v;
                } else {
                    // Small primes accumulate the inner product in 64 bits, without the Montgomery factor.
                    factors[t] = small(qp.modulus(i)) || !montgomery ? 1 : qp.modulus(i).montgomeryFactor();
                    to[t++] = v;
                }
            }
            return new BaseConverter(new RnsBasis(from), new RnsBasis(to)).scaled(factors);
        });
    }

    /**
     * ModUp: the digits of d extended to Q_l P, in NTT form (in Montgomery form where
     * {@link #montgomeryDigits} says so).
     *
     * @param d   a polynomial at level l in NTT form (not modified)
     * @param par the parallelism
     * @return one polynomial over {@link #ringQP(int)} per digit
     */
    public RnsPoly[] modUp(RnsPoly d, Parallelism par) {
        int level = d.level();
        RnsPoly[] out = new RnsPoly[digitsAtLevel(level)];
        for (int j = 0; j < out.length; j++) {
            out[j] = new RnsPoly(ringQPAtLevel[level], true);
        }
        modUp(d, out, new long[level + 1][d.ringDegree()], par);
        return out;
    }

    /**
     * ModUp into given digit polynomials.
     *
     * @param d     a polynomial at level l in NTT form (not modified)
     * @param out   {@link #digitsAtLevel} polynomials over {@link #ringQP(int)} (overwritten)
     * @param coeff scratch, at least l + 1 rows of N
     * @param par   the parallelism
     */
    public void modUp(RnsPoly d, RnsPoly[] out, long[][] coeff, Parallelism par) {
        int level = d.level();
        int digits = out.length;
        RnsRing qp = ringQPAtLevel[level];
        int limbsQP = qp.limbs();
        int n = d.ringDegree();
        boolean montgomery = montgomeryDigits(level);
        par.forEach(level + 1, i -> {
            System.arraycopy(d.limb(i), 0, coeff[i], 0, n);
            Ntt.inverse(coeff[i], d.ring().tables(i));
        });
        par.forEach(digits, j -> {
            int start = digitStarts[j];
            int end = Math.min(digitStarts[j + 1], level + 1);
            long[][] in = new long[end - start][];
            for (int i = start; i < end; i++) {
                in[i - start] = coeff[i];
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
                    Modulus m = qp.modulus(i);
                    // Digit primes are primes of Q (i <= level), so their index in Q is i.
                    long r = montgomeryR[i];
                    long rp = montgomeryRShoup[i];
                    long[] src = d.limb(i);
                    long[] row = out[j].limb(i);
                    if (small(m) || !montgomery) {
                        System.arraycopy(src, 0, row, 0, n);
                    } else {
                        for (int c = 0; c < n; c++) {
                            row[c] = m.mulShoup(src[c], r, rp);
                        }
                    }
                } else {
                    Ntt.forward(out[j].limb(i), qp.tables(i));
                }
            }
        });
    }

    /**
     * ModDown of x + e for a small e given by its coefficients: out = round((x + e) / P). Adding e
     * here costs no transform: it joins the P limbs after their inverse NTT and the converted
     * values before their forward NTT.
     *
     * @param x      the input over Q_l P in NTT form (its P limbs are modified as scratch)
     * @param addend N signed coefficients of absolute value below every prime, or null for none
     * @param out    a polynomial over Q_l (modified; may not alias x)
     * @param par    the parallelism
     */
    public void modDown(RnsPoly x, long[] addend, RnsPoly out, Parallelism par) {
        modDown(x, addend, out, new long[out.level() + 1][x.ringDegree()], par);
    }

    /**
     * ModDown with scratch rows.
     *
     * @param x      the input over Q_l P in NTT form (its P limbs are modified as scratch)
     * @param addend N signed coefficients of absolute value below every prime, or null for none
     * @param out    a polynomial over Q_l (modified; may not alias x)
     * @param conv   scratch, at least l + 1 rows of N
     * @param par    the parallelism
     */
    public void modDown(RnsPoly x, long[] addend, RnsPoly out, long[][] conv, Parallelism par) {
        int level = out.level();
        RnsRing qp = ringQPAtLevel[level];
        int n = qp.ringDegree();
        long[][] pRows = new long[specialCount][];
        for (int k = 0; k < specialCount; k++) {
            pRows[k] = x.limb(level + 1 + k);
        }
        par.forEach(specialCount, k -> {
            Ntt.inverse(pRows[k], qp.tables(level + 1 + k));
            if (addend != null) {
                addSmall(pRows[k], addend, qp.modulus(level + 1 + k).value(), 1);
            }
        });
        modDownConverters[level].convertCentered(pRows, conv);
        par.forEach(level + 1, i -> {
            Modulus m = qp.modulus(i);
            long q = m.value();
            long q2 = 2 * q;
            long[] t = conv[i];
            if (addend != null) {
                // (x + e) - conv(x_P + e_P) = x - (conv - e) on the primes of Q.
                addSmall(t, addend, q, -1);
            }
            Ntt.forwardLazy(t, qp.tables(i));
            long[] xi = x.limb(i);
            long[] z = out.limb(i);
            long w = pInvModQ[i];
            long wp = pInvModQShoup[i];
            for (int c = 0; c < n; c++) {
                // t in [0, 4q) is brought into [0, 2q) so that x + 2q - t lies in (0, 3q).
                long u = t[c] - q2;
                u += (u >> 63) & q2;
                z[c] = m.mulShoup(xi[c] + q2 - u, w, wp);
            }
        });
        out.setNtt(true);
    }

    /** row = row + sign e mod q for row in [0, q) and |e| &lt; q, branch-free. */
    private static void addSmall(long[] row, long[] e, long q, int sign) {
        for (int c = 0; c < row.length; c++) {
            long s = row[c] + sign * e[c];
            s += (s >> 63) & q;
            s -= q;
            row[c] = s + ((s >> 63) & q);
        }
    }

    /**
     * The limbs of a polynomial over Q_L P (for some L at least l) that belong to Q_l P, as a view.
     *
     * @param full  a polynomial over {@link #ringQP(int)} of a level L at least l
     * @param level the level l
     * @return the view over {@link #ringQP(int)} (shares rows)
     */
    public RnsPoly restrictToLevel(RnsPoly full, int level) {
        int pStart = full.limbs() - specialCount;
        if (pStart < level + 1) {
            throw new IllegalArgumentException("a polynomial over q_0 .. q_" + (pStart - 1) + " and P has no limbs of level " + level);
        }
        long[][] rows = new long[level + 1 + specialCount][];
        for (int i = 0; i <= level; i++) {
            rows[i] = full.limb(i);
        }
        for (int k = 0; k < specialCount; k++) {
            rows[level + 1 + k] = full.limb(pStart + k);
        }
        return RnsPoly.wrap(ringQPAtLevel[level], rows, full.isNtt());
    }

    /** The ring over q_0 .. q_L. */
    public RnsRing ringQ() {
        return ringQ;
    }
}
