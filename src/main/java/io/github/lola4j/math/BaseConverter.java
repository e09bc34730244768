package io.github.lola4j.math;

/**
 * Fast base conversion from an RNS basis Q = {q_i} to another basis P = {p_j} (Halevi, Polyakov
 * and Shoup 2019; Cheon et al. 2018), the building block of rescaling and of hybrid key
 * switching (ModUp and ModDown).
 *
 * <p>For x with residues x_i, y_i = x_i (Q/q_i)^-1 mod q_i and the output is
 * sum_i y_i (Q/q_i) mod p_j. That equals x + u Q for some integer 0 &le; u &lt; |Q| (the basis
 * size): the conversion is approximate by a small multiple of Q, which the schemes built on it
 * tolerate by construction. Each coefficient costs |Q| + |Q||P| Shoup multiplications and no
 * division. Immutable and thread-safe; scratch space is allocated per call, never per
 * coefficient.
 */
public final class BaseConverter {

    private final RnsBasis from;
    private final RnsBasis to;
    private final long[][] qHatModP;       // [j][i] = (Q/q_i) mod p_j
    private final long[][] qHatModPShoup;
    private final long[] qModP;            // Q mod p_j, for the centered conversion
    private final double[] qInverse;       // 1 / q_i as doubles

    /**
     * Precomputes the conversion constants.
     *
     * @param from the source basis Q
     * @param to   the target basis P
     */
    public BaseConverter(RnsBasis from, RnsBasis to) {
        this.from = from;
        this.to = to;
        qHatModP = new long[to.size()][from.size()];
        qHatModPShoup = new long[to.size()][from.size()];
        for (int j = 0; j < to.size(); j++) {
            Modulus pj = to.modulus(j);
            for (int i = 0; i < from.size(); i++) {
                qHatModP[j][i] = from.qHatMod(i, pj);
                qHatModPShoup[j][i] = pj.shoup(qHatModP[j][i]);
            }
        }
        qModP = new long[to.size()];
        for (int j = 0; j < to.size(); j++) {
            qModP[j] = from.product().mod(java.math.BigInteger.valueOf(to.modulus(j).value())).longValueExact();
        }
        qInverse = new double[from.size()];
        for (int i = 0; i < from.size(); i++) {
            qInverse[i] = 1.0 / from.modulus(i).value();
        }
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
     * @param out |P| rows of N values (modified: on return x + u Q mod p_j, in [0, p_j), with
     *            0 &le; u &lt; |Q| the same for every j); must not alias {@code in}
     * @throws IllegalArgumentException on a wrong number of rows or mismatched lengths
     */
    public void convert(long[][] in, long[][] out) {
        convert(in, out, false);
    }

    /**
     * Converts N coefficients exactly, to the centered representative: the output is x' mod p_j
     * where x' is the representative of x in [-Q/2, Q/2). The multiple u of the plain conversion is
     * found as round(sum_i y_i / q_i) in floating point (Halevi, Polyakov and Shoup 2019), exact
     * unless that sum lies within about 2^-50 of a half-integer. Dividing by Q after subtracting
     * this conversion rounds to nearest without bias, which ModDown needs: a biased rounding would
     * multiply into the secret key and show in every slot.
     *
     * @param in  |Q| rows of N residues, row i in [0, q_i) (not modified)
     * @param out |P| rows of N values (modified: x' mod p_j, in [0, p_j)); must not alias {@code in}
     * @throws IllegalArgumentException on a wrong number of rows or mismatched lengths
     */
    public void convertCentered(long[][] in, long[][] out) {
        convert(in, out, true);
    }

    private void convert(long[][] in, long[][] out, boolean centered) {
        int k = from.size();
        if (in.length < k || out.length < to.size()) {
            throw new IllegalArgumentException("expected " + k + " input rows and " + to.size()
                    + " output rows, got " + in.length + " and " + out.length);
        }
        int n = in[0].length;
        long[][] y = new long[k][n];
        for (int i = 0; i < k; i++) {
            if (in[i].length != n) {
                throw new IllegalArgumentException("input row " + i + " has length " + in[i].length + ", expected " + n);
            }
            Modulus qi = from.modulus(i);
            long w = from.qHatInverse(i);
            long wp = from.qHatInverseShoup(i);
            long[] src = in[i];
            long[] dst = y[i];
            for (int c = 0; c < n; c++) {
                dst[c] = qi.mulShoup(src[c], w, wp);
            }
        }
        long[] v = null;
        if (centered) {
            v = new long[n];
            for (int c = 0; c < n; c++) {
                double f = 0;
                for (int i = 0; i < k; i++) {
                    f += y[i][c] * qInverse[i];
                }
                v[c] = (long) Math.floor(f + 0.5);
            }
        }
        for (int j = 0; j < to.size(); j++) {
            long[] dst = out[j];
            if (dst.length != n) {
                throw new IllegalArgumentException("output row " + j + " has length " + dst.length + ", expected " + n);
            }
            Modulus pj = to.modulus(j);
            long p = pj.value();
            long p2 = 2 * p;
            long[] wRow = qHatModP[j];
            long[] wpRow = qHatModPShoup[j];
            // Accumulate lazily in [0, 2p): each Shoup product is in [0, 2p), one conditional subtraction per term.
            {
                long w = wRow[0];
                long wp = wpRow[0];
                long ws = wp >> 63;
                long[] src = y[0];
                for (int c = 0; c < n; c++) {
                    long a = src[c];
                    long est = Math.multiplyHigh(a, wp) + (ws & a);
                    dst[c] = a * w - est * p;
                }
            }
            for (int i = 1; i < k; i++) {
                long w = wRow[i];
                long wp = wpRow[i];
                long ws = wp >> 63;
                long[] src = y[i];
                for (int c = 0; c < n; c++) {
                    long a = src[c];
                    long est = Math.multiplyHigh(a, wp) + (ws & a);
                    long s = dst[c] + (a * w - est * p) - p2;
                    dst[c] = s + ((s >> 63) & p2);
                }
            }
            for (int c = 0; c < n; c++) {
                long s = dst[c] - p;
                dst[c] = s + ((s >> 63) & p);
            }
            if (centered) {
                long qp = qModP[j];
                for (int c = 0; c < n; c++) {
                    dst[c] = pj.sub(dst[c], pj.mul(v[c], qp));
                }
            }
        }
    }
}
