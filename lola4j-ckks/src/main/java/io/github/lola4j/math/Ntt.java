package io.github.lola4j.math;

/**
 * The negacyclic number-theoretic transform on one residue polynomial, in place.
 *
 * <p>Forward: Cooley-Tukey butterflies on natural-order input, bit-reversed output; inverse:
 * Gentleman-Sande butterflies back to natural order, with N^-1 folded into the last stage. Both
 * use Harvey's lazy butterflies (Harvey 2014): the forward keeps values in [0, 4q) and the
 * inverse in [0, 2q) between stages, twiddles are multiplied with Shoup's method, and only the
 * end brings values back to [0, q). With q &lt; 2^61, 4q never overflows a signed long.
 *
 * <p><b>Signed twiddles.</b> {@link NttTables} stores each twiddle w centered in (-q/2, q/2) with
 * the signed companion w' = floor(w 2^64 / q). For 0 &le; y &lt; 2^63, Math.multiplyHigh(y, w')
 * is floor(y w' / 2^64), which is floor(y w / q) or one less whatever the sign of w, so
 * y w - Math.multiplyHigh(y, w') q lies in [0, 2q) as in Shoup's unsigned method. It saves the
 * sign correction (an AND and an ADD per butterfly) that an unsigned companion of 2^63 or more
 * would need without Java 18's unsignedMultiplyHigh.
 *
 * <p><b>Loop structure.</b> The butterflies are those of the textbook radix-2 loops, computed in
 * the same order per element, so every variant gives the same values; what changes is how the
 * stages are grouped into passes over the array, which the C2 JIT compiles well only in some
 * shapes (measurements in docs/benchmarks.md):
 * <ul>
 *   <li>Most stages go in pairs ("radix-4" passes): each pass loads four values, does the four
 *       butterflies of two stages on them in registers and stores them once, halving the passes
 *       over memory and the loop overhead.</li>
 *   <li>The stages with the shortest inner loops (t = 2 and t = 1 forward, t = 1 and t = 2
 *       inverse, where the generic loop would run one or two iterations per twiddle) have their
 *       own flat loop over blocks of four.</li>
 *   <li>The forward starts with one or two plain radix-2 passes (whose single long inner loop
 *       streams well) so that an even number of stages is left for the pairs; the inverse mirrors
 *       it and pairs its last generic stage with the N^-1 stage when their count allows.</li>
 *   <li>The final reductions to [0, q) of {@link #forward} and {@link #inverse} stay a separate
 *       pass: C2 vectorizes that branch-free loop, and folding it into the last butterflies was
 *       measured slower.</li>
 * </ul>
 * Every reduction is a branch-free mask: a ternary would let C2 pick a conditional move or a
 * branch from the profile it happened to gather, and a branch mispredicts on half the inputs.
 *
 * <p><b>Vector kernels.</b> When {@link Simd} finds the incubating Vector API and 512-bit
 * hardware vectors, the lazy transforms of N &ge; 16 run on eight 64-bit lanes instead, once
 * the JIT has compiled them (about
 * three times faster; docs/benchmarks.md). They compute the same butterflies on the same tables
 * and give the same values bit for bit, lazy outputs included, so nothing downstream depends on
 * the choice. The loops below are the scalar path and the reference the vector kernels are
 * tested against.
 *
 * <p>Stateless and thread-safe; the arrays passed in are modified.
 */
public final class Ntt {

    private Ntt() {
    }

    /**
     * Forward NTT: coefficients to evaluations, outputs fully reduced.
     *
     * @param a      N values in [0, 4q) (modified: on return a(psi^(2br(k)+1)) at k, in [0, q))
     * @param tables the tables of (N, q)
     */
    public static void forward(long[] a, NttTables tables) {
        forwardLazy(a, tables);
        long q = tables.modulus.value();
        long q2 = 2 * q;
        for (int j = 0; j < a.length; j++) {
            long x = a[j];
            x -= q2 & ~((x - q2) >> 63);
            x -= q & ~((x - q) >> 63);
            a[j] = x;
        }
    }

    /**
     * Forward NTT with lazy output.
     *
     * @param a      N values in [0, 4q) (modified: on return the evaluations, in [0, 4q))
     * @param tables the tables of (N, q)
     */
    public static void forwardLazy(long[] a, NttTables tables) {
        checkLength(a, tables);
        Kernels kernel = Simd.KERNELS;
        if (kernel != null && tables.n >= 16 && Simd.use(tables.n)) {
            kernel.forwardLazy(a, tables);
        } else {
            forwardLazyScalar(a, tables);
        }
    }

    private static void checkLength(long[] a, NttTables tables) {
        if (a.length != tables.n) {
            throw new IllegalArgumentException("array length " + a.length + " does not match ring degree " + tables.n);
        }
    }

    /** {@link #forwardLazy} on scalar code whatever {@link Simd} chose; the length is checked. */
    static void forwardLazyScalar(long[] a, NttTables tables) {
        final int n = tables.n;
        final long q = tables.modulus.value();
        final long[] w = tables.roots;
        final long[] wp = tables.rootsShoup;
        if (n == 2) {
            forwardStage(a, 1, 1, w, wp, q);
            return;
        }
        // Stage m has m groups of butterflies at distance t = N / 2m, twiddles w[m + group].
        int m = 1;
        int t = n >> 1;
        int radix2Stages = (tables.logN & 1) == 1 ? 1 : tables.logN >= 4 ? 2 : 0;
        for (int s = 0; s < radix2Stages; s++, m <<= 1, t >>= 1) {
            forwardStage(a, m, t, w, wp, q);
        }
        for (; t > 2; m <<= 2, t >>= 2) {
            forwardTwoStages(a, m, t, w, wp, q);
        }
        forwardLastTwoStages(a, w, wp, q);
    }

    /** One radix-2 stage: m groups at distance t, values in [0, 4q) in and out. */
    private static void forwardStage(long[] a, int m, int t, long[] w, long[] wp, long q) {
        final long q2 = 2 * q;
        for (int i = 0; i < m; i++) {
            final int j1 = 2 * i * t;
            final int j2 = j1 + t;
            final long wi = w[m + i];
            final long wpi = wp[m + i];
            for (int j = j1; j < j2; j++) {
                long x = a[j];
                x -= q2 & ~((x - q2) >> 63);
                long y = a[j + t];
                long v = y * wi - Math.multiplyHigh(y, wpi) * q;
                a[j] = x + v;
                a[j + t] = x - v + q2;
            }
        }
    }

    /**
     * Stages m (distance t) and 2m (distance t/2) in one pass, for t &ge; 4: each group i of stage
     * m covers [2it, 2it + 2t) and splits into groups 2i and 2i + 1 of stage 2m.
     */
    private static void forwardTwoStages(long[] a, int m, int t, long[] w, long[] wp, long q) {
        final long q2 = 2 * q;
        final int h = t >> 1;
        for (int i = 0; i < m; i++) {
            final int j1 = 2 * i * t;
            final int j2 = j1 + h;
            final long w1 = w[m + i];
            final long w1p = wp[m + i];
            final long w2 = w[2 * m + 2 * i];
            final long w2p = wp[2 * m + 2 * i];
            final long w3 = w[2 * m + 2 * i + 1];
            final long w3p = wp[2 * m + 2 * i + 1];
            for (int j = j1; j < j2; j++) {
                long x0 = a[j];
                long x1 = a[j + h];
                long x2 = a[j + t];
                long x3 = a[j + t + h];
                // stage m: (x0, x2) and (x1, x3), twiddle w1
                x0 -= q2 & ~((x0 - q2) >> 63);
                x1 -= q2 & ~((x1 - q2) >> 63);
                long v2 = x2 * w1 - Math.multiplyHigh(x2, w1p) * q;
                long v3 = x3 * w1 - Math.multiplyHigh(x3, w1p) * q;
                long y0 = x0 + v2;
                long y2 = x0 - v2 + q2;
                long y1 = x1 + v3;
                long y3 = x1 - v3 + q2;
                // stage 2m: (y0, y1) with w2 and (y2, y3) with w3
                y0 -= q2 & ~((y0 - q2) >> 63);
                y2 -= q2 & ~((y2 - q2) >> 63);
                long u1 = y1 * w2 - Math.multiplyHigh(y1, w2p) * q;
                long u3 = y3 * w3 - Math.multiplyHigh(y3, w3p) * q;
                a[j] = y0 + u1;
                a[j + h] = y0 - u1 + q2;
                a[j + t] = y2 + u3;
                a[j + t + h] = y2 - u3 + q2;
            }
        }
    }

    /** The last two stages (t = 2, then t = 1) as one flat loop over blocks of four; N &ge; 4. */
    private static void forwardLastTwoStages(long[] a, long[] w, long[] wp, long q) {
        final long q2 = 2 * q;
        final int m = a.length >> 2;
        for (int i = 0; i < m; i++) {
            final int j = 4 * i;
            final long w1 = w[m + i];
            final long w1p = wp[m + i];
            final long w2 = w[2 * m + 2 * i];
            final long w2p = wp[2 * m + 2 * i];
            final long w3 = w[2 * m + 2 * i + 1];
            final long w3p = wp[2 * m + 2 * i + 1];
            long x0 = a[j];
            long x1 = a[j + 1];
            long x2 = a[j + 2];
            long x3 = a[j + 3];
            x0 -= q2 & ~((x0 - q2) >> 63);
            x1 -= q2 & ~((x1 - q2) >> 63);
            long v2 = x2 * w1 - Math.multiplyHigh(x2, w1p) * q;
            long v3 = x3 * w1 - Math.multiplyHigh(x3, w1p) * q;
            long y0 = x0 + v2;
            long y2 = x0 - v2 + q2;
            long y1 = x1 + v3;
            long y3 = x1 - v3 + q2;
            y0 -= q2 & ~((y0 - q2) >> 63);
            y2 -= q2 & ~((y2 - q2) >> 63);
            long u1 = y1 * w2 - Math.multiplyHigh(y1, w2p) * q;
            long u3 = y3 * w3 - Math.multiplyHigh(y3, w3p) * q;
            a[j] = y0 + u1;
            a[j + 1] = y0 - u1 + q2;
            a[j + 2] = y2 + u3;
            a[j + 3] = y2 - u3 + q2;
        }
    }

    /**
     * Inverse NTT: evaluations back to coefficients, outputs fully reduced.
     *
     * @param a      N values in [0, 2q) in the order {@link #forward} produces (modified: on return
     *               the coefficients, in [0, q))
     * @param tables the tables of (N, q)
     */
    public static void inverse(long[] a, NttTables tables) {
        inverseLazy(a, tables);
        long q = tables.modulus.value();
        for (int j = 0; j < a.length; j++) {
            long x = a[j];
            a[j] = x - (q & ~((x - q) >> 63));
        }
    }

    /**
     * Inverse NTT with lazy output.
     *
     * @param a      N values in [0, 2q) (modified: on return the coefficients, in [0, 2q))
     * @param tables the tables of (N, q)
     */
    public static void inverseLazy(long[] a, NttTables tables) {
        checkLength(a, tables);
        Kernels kernel = Simd.KERNELS;
        if (kernel != null && tables.n >= 16 && Simd.use(tables.n)) {
            kernel.inverseLazy(a, tables);
        } else {
            inverseLazyScalar(a, tables);
        }
    }

    /** {@link #inverseLazy} on scalar code whatever {@link Simd} chose; the length is checked. */
    static void inverseLazyScalar(long[] a, NttTables tables) {
        final int n = tables.n;
        final long q = tables.modulus.value();
        final long[] w = tables.invRoots;
        final long[] wp = tables.invRootsShoup;
        // Stages before the last: h groups at distance t, from (h, t) = (N/2, 1) to (2, N/4), with
        // twiddles w[h + group]. The last stage (one group at distance N/2) multiplies by N^-1.
        int stages = tables.logN - 1;
        int h = n >> 1;
        int t = 1;
        if (stages >= 2) {
            inverseFirstTwoStages(a, w, wp, q);
            stages -= 2;
            h >>= 2;
            t = 4;
        }
        for (; stages > 2; stages -= 2, h >>= 2, t <<= 2) {
            inverseTwoStages(a, h, t, w, wp, q);
        }
        for (; stages > 1; stages--, h >>= 1, t <<= 1) {
            inverseStage(a, h, t, w, wp, q);
        }
        if (stages == 1) {
            inverseLastTwoStages(a, tables);
        } else {
            inverseLastStage(a, tables);
        }
    }

    /** One radix-2 stage: h groups at distance t, values in [0, 2q) in and out. */
    private static void inverseStage(long[] a, int h, int t, long[] w, long[] wp, long q) {
        final long q2 = 2 * q;
        for (int i = 0; i < h; i++) {
            final int j1 = 2 * i * t;
            final int j2 = j1 + t;
            final long wi = w[h + i];
            final long wpi = wp[h + i];
            for (int j = j1; j < j2; j++) {
                long x = a[j];
                long y = a[j + t];
                long s = x + y;
                s -= q2 & ~((s - q2) >> 63);
                long d = x - y + q2;
                a[j] = s;
                a[j + t] = d * wi - Math.multiplyHigh(d, wpi) * q;
            }
        }
    }

    /**
     * Stages (h groups, distance t) and (h/2 groups, distance 2t) in one pass: groups 2i and
     * 2i + 1 of the first cover [4it, 4it + 4t), which is group i of the second.
     */
    private static void inverseTwoStages(long[] a, int h, int t, long[] w, long[] wp, long q) {
        final long q2 = 2 * q;
        final int hh = h >> 1;
        for (int i = 0; i < hh; i++) {
            final int j1 = 4 * i * t;
            final int j2 = j1 + t;
            final long wa = w[h + 2 * i];
            final long wap = wp[h + 2 * i];
            final long wb = w[h + 2 * i + 1];
            final long wbp = wp[h + 2 * i + 1];
            final long wc = w[hh + i];
            final long wcp = wp[hh + i];
            for (int j = j1; j < j2; j++) {
                long x0 = a[j];
                long x1 = a[j + t];
                long x2 = a[j + 2 * t];
                long x3 = a[j + 3 * t];
                // first stage: (x0, x1) with wa, (x2, x3) with wb
                long s0 = x0 + x1;
                s0 -= q2 & ~((s0 - q2) >> 63);
                long d0 = x0 - x1 + q2;
                long s1 = x2 + x3;
                s1 -= q2 & ~((s1 - q2) >> 63);
                long d1 = x2 - x3 + q2;
                long e0 = d0 * wa - Math.multiplyHigh(d0, wap) * q;
                long e1 = d1 * wb - Math.multiplyHigh(d1, wbp) * q;
                // second stage: (s0, s1) and (e0, e1), both with wc
                long ss = s0 + s1;
                ss -= q2 & ~((ss - q2) >> 63);
                long sd = s0 - s1 + q2;
                long es = e0 + e1;
                es -= q2 & ~((es - q2) >> 63);
                long ed = e0 - e1 + q2;
                a[j] = ss;
                a[j + t] = es;
                a[j + 2 * t] = sd * wc - Math.multiplyHigh(sd, wcp) * q;
                a[j + 3 * t] = ed * wc - Math.multiplyHigh(ed, wcp) * q;
            }
        }
    }

    /** The first two stages (t = 1, then t = 2) as one flat loop over blocks of four; N &ge; 8. */
    private static void inverseFirstTwoStages(long[] a, long[] w, long[] wp, long q) {
        final long q2 = 2 * q;
        final int h = a.length >> 1;
        final int hh = h >> 1;
        for (int i = 0; i < hh; i++) {
            final int j = 4 * i;
            final long wa = w[h + 2 * i];
            final long wap = wp[h + 2 * i];
            final long wb = w[h + 2 * i + 1];
            final long wbp = wp[h + 2 * i + 1];
            final long wc = w[hh + i];
            final long wcp = wp[hh + i];
            long x0 = a[j];
            long x1 = a[j + 1];
            long x2 = a[j + 2];
            long x3 = a[j + 3];
            long s0 = x0 + x1;
            s0 -= q2 & ~((s0 - q2) >> 63);
            long d0 = x0 - x1 + q2;
            long s1 = x2 + x3;
            s1 -= q2 & ~((s1 - q2) >> 63);
            long d1 = x2 - x3 + q2;
            long e0 = d0 * wa - Math.multiplyHigh(d0, wap) * q;
            long e1 = d1 * wb - Math.multiplyHigh(d1, wbp) * q;
            long ss = s0 + s1;
            ss -= q2 & ~((ss - q2) >> 63);
            long sd = s0 - s1 + q2;
            long es = e0 + e1;
            es -= q2 & ~((es - q2) >> 63);
            long ed = e0 - e1 + q2;
            a[j] = ss;
            a[j + 1] = es;
            a[j + 2] = sd * wc - Math.multiplyHigh(sd, wcp) * q;
            a[j + 3] = ed * wc - Math.multiplyHigh(ed, wcp) * q;
        }
    }

    /** The last stage (distance N/2) with the multiplication by N^-1 folded in; output in [0, 2q). */
    private static void inverseLastStage(long[] a, NttTables tables) {
        final long q = tables.modulus.value();
        final long q2 = 2 * q;
        final long ni = tables.nInv;
        final long nip = tables.nInvShoup;
        final long wl = tables.lastInvRootTimesNInv;
        final long wlp = tables.lastInvRootTimesNInvShoup;
        final int half = a.length >> 1;
        for (int j = 0; j < half; j++) {
            long x = a[j];
            long y = a[j + half];
            long s = x + y;
            long d = x - y + q2;
            a[j] = s * ni - Math.multiplyHigh(s, nip) * q;
            a[j + half] = d * wl - Math.multiplyHigh(d, wlp) * q;
        }
    }

    /**
     * The stage with two groups at distance N/4 and the last stage, with N^-1, in one pass; N &ge; 4.
     */
    private static void inverseLastTwoStages(long[] a, NttTables tables) {
        final long q = tables.modulus.value();
        final long q2 = 2 * q;
        final long wa = tables.invRoots[2];
        final long wap = tables.invRootsShoup[2];
        final long wb = tables.invRoots[3];
        final long wbp = tables.invRootsShoup[3];
        final long ni = tables.nInv;
        final long nip = tables.nInvShoup;
        final long wl = tables.lastInvRootTimesNInv;
        final long wlp = tables.lastInvRootTimesNInvShoup;
        final int t = a.length >> 2;
        for (int j = 0; j < t; j++) {
            long x0 = a[j];
            long x1 = a[j + t];
            long x2 = a[j + 2 * t];
            long x3 = a[j + 3 * t];
            // stage with distance N/4: (x0, x1) with wa, (x2, x3) with wb
            long s0 = x0 + x1;
            s0 -= q2 & ~((s0 - q2) >> 63);
            long d0 = x0 - x1 + q2;
            long s1 = x2 + x3;
            s1 -= q2 & ~((s1 - q2) >> 63);
            long d1 = x2 - x3 + q2;
            long e0 = d0 * wa - Math.multiplyHigh(d0, wap) * q;
            long e1 = d1 * wb - Math.multiplyHigh(d1, wbp) * q;
            // last stage: (s0, s1) and (e0, e1), times N^-1
            long ss = s0 + s1;
            long sd = s0 - s1 + q2;
            long es = e0 + e1;
            long ed = e0 - e1 + q2;
            a[j] = ss * ni - Math.multiplyHigh(ss, nip) * q;
            a[j + t] = es * ni - Math.multiplyHigh(es, nip) * q;
            a[j + 2 * t] = sd * wl - Math.multiplyHigh(sd, wlp) * q;
            a[j + 3 * t] = ed * wl - Math.multiplyHigh(ed, wlp) * q;
        }
    }
}
