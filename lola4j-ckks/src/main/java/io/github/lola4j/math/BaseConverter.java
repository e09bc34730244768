package io.github.lola4j.math;

import java.math.BigInteger;

/**
 * Fast base conversion from an RNS basis Q = {q_i} to another basis P = {p_j} (Halevi, Polyakov
 * and Shoup 2019; Cheon et al. 2018), the building block of rescaling and of hybrid key
 * switching (ModUp and ModDown).
 *
 * <p>For x with residues x_i, y_i = x_i (Q/q_i)^-1 mod q_i and the output is
 * sum_i y_i (Q/q_i) mod p_j. That equals x + u Q for some integer 0 &le; u &lt; |Q| (the basis
 * size): the conversion is approximate by a small multiple of Q, which the schemes built on it
 * tolerate by construction. Each coefficient costs |Q| + |Q||P| Shoup multiplications and no
 * division.
 *
 * <p>A converter may carry one constant factor f_j per target prime ({@link #scaled}); its
 * outputs are then multiplied by f_j for free, because the factor is folded into the
 * precomputed constants. Key switching uses this to put its digits into Montgomery form.
 *
 * <p>Coefficients are processed in blocks of {@value #BLOCK} so that the intermediate values and
 * the partial sums stay in the first-level cache while every target prime is visited. Immutable
 * and thread-safe; scratch space is allocated per call, never per coefficient.
 */
public final class BaseConverter {

    private static final int BLOCK = 256;

    private final RnsBasis from;
    private final RnsBasis to;
    private final long[] factors;          // f_j in [0, p_j), or null for 1
    private final long[][] qHatModP;       // [j][i] = (Q/q_i) f_j mod p_j
    private final long[][] qHatModPShoup;
    private final long[][] correction;     // [j][v] = v Q f_j mod p_j for v = 0 .. |Q|
    private final int fractionBits;
    private final int[] shifts;            // 63 - bits(q_i)
    private final long[] fixedInverse;     // floor(2^(64 + fractionBits - shifts[i]) / q_i)

    /**
     * Precomputes the conversion constants.
     *
     * @param from the source basis Q
     * @param to   the target basis P
     */
    public BaseConverter(RnsBasis from, RnsBasis to) {
        this(from, to, null);
    }

    private BaseConverter(RnsBasis from, RnsBasis to, long[] factors) {
        this.from = from;
        this.to = to;
        this.factors = factors;
        int k = from.size();
        qHatModP = new long[to.size()][k];
        qHatModPShoup = new long[to.size()][k];
        correction = new long[to.size()][k + 1];
        for (int j = 0; j < to.size(); j++) {
            Modulus pj = to.modulus(j);
            long f = factors == null ? 1 : factors[j];
            for (int i = 0; i < k; i++) {
                qHatModP[j][i] = pj.mul(from.qHatMod(i, pj), f);
                qHatModPShoup[j][i] = pj.shoup(qHatModP[j][i]);
            }
            long qf = pj.mul(from.product().mod(BigInteger.valueOf(pj.value())).longValueExact(), f);
            for (int v = 1; v <= k; v++) {
                correction[j][v] = pj.add(correction[j][v - 1], qf);
            }
        }
        // Fixed point with F fraction bits: y_i << shift_i < 2^63 and c_i = floor(2^(64 + F - shift_i) / q_i) < 2^(F + 2),
        // so each high product is floor(y_i 2^F / q_i) minus at most 1, and k terms plus 1/2 stay below 2^63.
        fractionBits = Math.min(60, 62 - (32 - Integer.numberOfLeadingZeros(k)));
        shifts = new int[k];
        fixedInverse = new long[k];
        for (int i = 0; i < k; i++) {
            long q = from.modulus(i).value();
            shifts[i] = 63 - from.modulus(i).bits();
            fixedInverse[i] = BigInteger.ONE.shiftLeft(64 + fractionBits - shifts[i]).divide(BigInteger.valueOf(q)).longValueExact();
        }
    }

    /**
     * This conversion followed by a multiplication by f_j modulo each target prime p_j, at no
     * extra cost per coefficient.
     *
     * @param factors one factor per target prime, factors[j] in [0, p_j)
     * @return the scaled converter
     * @throws IllegalArgumentException if the count does not match the target basis or a factor
     *                                  is out of range
     */
    public BaseConverter scaled(long... factors) {
        if (factors.length != to.size()) {
            throw new IllegalArgumentException("expected " + to.size() + " factors (one per target prime), got " + factors.length);
        }
        long[] f = factors.clone();
        for (int j = 0; j < f.length; j++) {
            if (f[j] < 0 || f[j] >= to.modulus(j).value()) {
                throw new IllegalArgumentException("factor " + j + " must be in [0, " + to.modulus(j).value() + "), got " + f[j]);
            }
            if (this.factors != null) {
                f[j] = to.modulus(j).mul(f[j], this.factors[j]);
            }
        }
        return new BaseConverter(from, to, f);
    }

    /** The source basis. */
    public RnsBasis from() {
        return from;
    }

    /** The target basis. */
    public RnsBasis to() {
        return to;
    }

    /**
     * Converts N coefficients.
     *
     * @param in  |Q| rows of N residues, row i in [0, q_i) (not modified)
     * @param out |P| rows of N values (modified: on return (x + u Q) f_j mod p_j, in [0, p_j), with
     *            0 &le; u &lt; |Q| the same for every j and f_j = 1 unless {@link #scaled}); must not
     *            alias {@code in}
     * @throws IllegalArgumentException on a wrong number of rows or mismatched lengths
     */
    public void convert(long[][] in, long[][] out) {
        convert(in, out, false);
    }

    /**
     * Converts N coefficients exactly, to the centered representative: the output is
     * x' f_j mod p_j where x' is the representative of x in [-Q/2, Q/2) (and f_j = 1 unless
     * {@link #scaled}). The multiple u of the plain conversion is found as round(sum_i y_i / q_i)
     * (Halevi, Polyakov and Shoup 2019), here in 64-bit fixed point with at least 55 fraction bits
     * for up to 64 source primes: exact unless that sum lies within |Q| 2^-55 of a
     * half-integer. Dividing by Q after subtracting this conversion rounds to nearest
     * without bias, which ModDown needs: a biased rounding would multiply into the secret key and
     * show in every slot.
     *
     * @param in  |Q| rows of N residues, row i in [0, q_i) (not modified)
     * @param out |P| rows of N values (modified: x' f_j mod p_j, in [0, p_j)); must not alias
     *            {@code in}
     * @throws IllegalArgumentException on a wrong number of rows or mismatched lengths
     */
    public void convertCentered(long[][] in, long[][] out) {
        convert(in, out, true);
    }

    private void convert(long[][] in, long[][] out, boolean centered) {
        int k = from.size();
        int m = to.size();
        if (in.length < k || out.length < m) {
            throw new IllegalArgumentException("expected " + k + " input rows and " + m
                    + " output rows, got " + in.length + " and " + out.length);
        }
        int n = in[0].length;
        for (int i = 0; i < k; i++) {
            if (in[i].length != n) {
                throw new IllegalArgumentException("input row " + i + " has length " + in[i].length + ", expected " + n);
            }
        }
        for (int j = 0; j < m; j++) {
            if (out[j].length != n) {
                throw new IllegalArgumentException("output row " + j + " has length " + out[j].length + ", expected " + n);
            }
        }
        if (k == 1) {
            convertSinglePrime(in[0], out, centered);
            return;
        }
        long[][] y = new long[k][BLOCK];
        int[] v = centered ? new int[BLOCK] : null;
        long[] f = centered ? new long[BLOCK] : null;
        long half = 1L << (fractionBits - 1);
        for (int base = 0; base < n; base += BLOCK) {
            int len = Math.min(BLOCK, n - base);
            for (int i = 0; i < k; i++) {
                Modulus qi = from.modulus(i);
                long w = from.qHatInverse(i);
                long wp = from.qHatInverseShoup(i);
                long[] src = in[i];
                long[] dst = y[i];
                for (int c = 0; c < len; c++) {
                    dst[c] = qi.mulShoup(src[base + c], w, wp);
                }
            }
            if (centered) {
                // u = round(sum_i y_i / q_i) in fixed point: each term y_i / q_i to 2^-F from one high product.
                long[] y0 = y[0];
                long sh0 = shifts[0];
                long c0 = fixedInverse[0];
                for (int c = 0; c < len; c++) {
                    f[c] = half + Math.multiplyHigh(y0[c] << sh0, c0);
                }
                for (int i = 1; i < k; i++) {
                    long[] yi = y[i];
                    int sh = shifts[i];
                    long ci = fixedInverse[i];
                    for (int c = 0; c < len; c++) {
                        f[c] += Math.multiplyHigh(yi[c] << sh, ci);
                    }
                }
                for (int c = 0; c < len; c++) {
                    v[c] = (int) (f[c] >>> fractionBits);
                }
            }
            for (int j = 0; j < m; j++) {
                accumulate(y, k, j, out[j], base, len, v);
            }
        }
    }

    /**
     * |Q| = 1 (SEAL-style digits of one prime, a single special prime): Q/q_0 = 1, so each output is
     * one Shoup product of the input by f_j, and the centered multiple is 1 exactly above q_0 / 2.
     */
    private void convertSinglePrime(long[] src, long[][] out, boolean centered) {
        long halfQ = from.modulus(0).value() >>> 1;
        for (int j = 0; j < to.size(); j++) {
            long p = to.modulus(j).value();
            long w = qHatModP[j][0];
            long wp = qHatModPShoup[j][0];
            long ws = wp >> 63;
            long corr = centered ? correction[j][1] : 0;
            long[] dst = out[j];
            for (int c = 0; c < src.length; c++) {
                long a = src[c];
                long est = Math.multiplyHigh(a, wp) + (ws & a);
                long r = a * w - est * p - p;
                r += (r >> 63) & p;
                // Subtract Q f_j when a lies above q_0 / 2 (its centered representative is a - q_0).
                r -= corr & ((halfQ - a) >> 63);
                dst[c] = r + ((r >> 63) & p);
            }
        }
    }

    /** out[base .. base+len) = sum_i y_i (Q/q_i) f_j mod p_j, minus v Q f_j when v is given. */
    private void accumulate(long[][] y, int k, int j, long[] dst, int base, int len, int[] v) {
        long p = to.modulus(j).value();
        long p2 = 2 * p;
        long[] wRow = qHatModP[j];
        long[] wpRow = qHatModPShoup[j];
        // Accumulate lazily in [0, 2p): each Shoup product is in [0, 2p), one conditional subtraction per term.
        long w0 = wRow[0];
        long wp0 = wpRow[0];
        long ws0 = wp0 >> 63;
        long[] src0 = y[0];
        if (v == null) {
            for (int c = 0; c < len; c++) {
                long a = src0[c];
                long est = Math.multiplyHigh(a, wp0) + (ws0 & a);
                dst[base + c] = a * w0 - est * p;
            }
        } else {
            // The centered correction -v Q f_j enters as 2p - (v Q f_j mod p) in (p, 2p], with the first term.
            long[] corr = correction[j];
            for (int c = 0; c < len; c++) {
                long a = src0[c];
                long est = Math.multiplyHigh(a, wp0) + (ws0 & a);
                long s = (a * w0 - est * p) + (p2 - corr[v[c]]) - p2;
                dst[base + c] = s + ((s >> 63) & p2);
            }
        }
        for (int i = 1; i < k; i++) {
            long w = wRow[i];
            long wp = wpRow[i];
            long ws = wp >> 63;
            long[] src = y[i];
            for (int c = 0; c < len; c++) {
                long a = src[c];
                long est = Math.multiplyHigh(a, wp) + (ws & a);
                long s = dst[base + c] + (a * w - est * p) - p2;
                dst[base + c] = s + ((s >> 63) & p2);
            }
        }
        for (int c = 0; c < len; c++) {
            long s = dst[base + c] - p;
            dst[base + c] = s + ((s >> 63) & p);
        }
    }
}
