package io.github.lola4j.math;

/**
 * Sums of products of residues as unsigned 128-bit accumulators (hi, lo), over one block of a row:
 * the lazy accumulation behind key switching's inner product and the sums of plaintext or constant
 * products, reduced once per coefficient afterwards (by Montgomery reduction, the operands carrying
 * the factor 2^64). Products of residues below 2^63 are below 2^126, so a sum of up to
 * floor(2^64 / q) of them stays below q 2^64, the range a Montgomery reduction takes.
 *
 * <p>The carry out of the low word is computed without a branch ({@link #carry}); the loops are
 * plain {@code long[]} code that the JIT keeps in registers.
 */
public final class WideSums {

    private WideSums() {
    }

    /**
     * The carry out of the unsigned addition {@code lo + p}, given its wrapped sum s: 1 when both top
     * bits are set, or either is and the sum's is not.
     *
     * @param lo the first addend
     * @param p  the second addend
     * @param s  lo + p, wrapped
     * @return 0 or 1
     */
    public static long carry(long lo, long p, long s) {
        return ((lo & p) | ((lo | p) & ~s)) >>> 63;
    }

    /**
     * (hi, lo) += x * y element-wise over {@code [base, base + len)} of x and y and
     * {@code [0, len)} of the accumulators.
     *
     * @param x    a row
     * @param y    a row
     * @param base the first index of the block
     * @param len  the block's length
     * @param hi   high words (modified)
     * @param lo   low words (modified)
     */
    public static void multiplyAccumulate(long[] x, long[] y, int base, int len, long[] hi, long[] lo) {
        for (int c = 0; c < len; c++) {
            long a = x[base + c];
            long b = y[base + c];
            long p = a * b;
            long l0 = lo[c];
            long s = l0 + p;
            hi[c] += Math.multiplyHigh(a, b) + carry(l0, p, s);
            lo[c] = s;
        }
    }

    /**
     * (hi, lo) += x * w over a block, for one scalar w.
     *
     * @param x    a row
     * @param w    the scalar
     * @param base the first index of the block
     * @param len  the block's length
     * @param hi   high words (modified)
     * @param lo   low words (modified)
     */
    public static void multiplyAccumulate(long[] x, long w, int base, int len, long[] hi, long[] lo) {
        for (int c = 0; c < len; c++) {
            long a = x[base + c];
            long p = a * w;
            long l0 = lo[c];
            long s = l0 + p;
            hi[c] += Math.multiplyHigh(a, w) + carry(l0, p, s);
            lo[c] = s;
        }
    }

    /**
     * (hi0, lo0) += x * b and (hi1, lo1) += x * a over a block: the two halves of a key switch's
     * inner product read x once.
     *
     * @param x    a row
     * @param b    the first key row
     * @param a    the second key row
     * @param base the first index of the block
     * @param len  the block's length
     * @param hi0  high words of the first sum (modified)
     * @param lo0  low words of the first sum (modified)
     * @param hi1  high words of the second sum (modified)
     * @param lo1  low words of the second sum (modified)
     */
    public static void multiplyAccumulate(long[] x, long[] b, long[] a, int base, int len, long[] hi0, long[] lo0,
            long[] hi1, long[] lo1) {
        for (int c = 0; c < len; c++) {
            long v = x[base + c];
            long kb = b[base + c];
            long ka = a[base + c];
            long p0 = v * kb;
            long l0 = lo0[c];
            long s0 = l0 + p0;
            hi0[c] += Math.multiplyHigh(v, kb) + carry(l0, p0, s0);
            lo0[c] = s0;
            long p1 = v * ka;
            long l1 = lo1[c];
            long s1 = l1 + p1;
            hi1[c] += Math.multiplyHigh(v, ka) + carry(l1, p1, s1);
            lo1[c] = s1;
        }
    }
}
