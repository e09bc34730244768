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
        final int n = tables.n;
        if (a.length != n) {
            throw new IllegalArgumentException("array length " + a.length + " does not match ring degree " + n);
        }
        final long q = tables.modulus.value();
        final long q2 = 2 * q;
        final long[] w = tables.roots;
        final long[] wp = tables.rootsShoup;
        int t = n;
        for (int m = 1; m < n; m <<= 1) {
            t >>= 1;
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
        final int n = tables.n;
        if (a.length != n) {
            throw new IllegalArgumentException("array length " + a.length + " does not match ring degree " + n);
        }
        final long q = tables.modulus.value();
        final long q2 = 2 * q;
        final long[] w = tables.invRoots;
        final long[] wp = tables.invRootsShoup;
        int t = 1;
        for (int m = n; m > 2; m >>= 1) {
            final int h = m >> 1;
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
            t <<= 1;
        }
        // Last stage (m = 2) fused with the multiplication by N^-1.
        final long ni = tables.nInv;
        final long nip = tables.nInvShoup;
        final long wl = tables.lastInvRootTimesNInv;
        final long wlp = tables.lastInvRootTimesNInvShoup;
        final int half = n >> 1;
        for (int j = 0; j < half; j++) {
            long x = a[j];
            long y = a[j + half];
            long s = x + y;
            long d = x - y + q2;
            a[j] = s * ni - Math.multiplyHigh(s, nip) * q;
            a[j + half] = d * wl - Math.multiplyHigh(d, wlp) * q;
        }
    }
}
