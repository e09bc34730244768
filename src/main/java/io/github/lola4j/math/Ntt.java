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
                final long wsign = wpi >> 63;
                for (int j = j1; j < j2; j++) {
                    long x = a[j];
                    x -= q2 & ~((x - q2) >> 63);
                    long y = a[j + t];
                    long est = Math.multiplyHigh(y, wpi) + (wsign & y);
                    long v = y * wi - est * q;
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
                final long wsign = wpi >> 63;
                for (int j = j1; j < j2; j++) {
                    long x = a[j];
                    long y = a[j + t];
                    long s = x + y;
                    s -= q2 & ~((s - q2) >> 63);
                    long d = x - y + q2;
                    long est = Math.multiplyHigh(d, wpi) + (wsign & d);
                    a[j] = s;
                    a[j + t] = d * wi - est * q;
                }
            }
            t <<= 1;
        }
        // Last stage (m = 2) fused with the multiplication by N^-1.
        final long ni = tables.nInv;
        final long nip = tables.nInvShoup;
        final long nisign = nip >> 63;
        final long wl = tables.lastInvRootTimesNInv;
        final long wlp = tables.lastInvRootTimesNInvShoup;
        final long wlsign = wlp >> 63;
        final int half = n >> 1;
        for (int j = 0; j < half; j++) {
            long x = a[j];
            long y = a[j + half];
            long s = x + y;
            long d = x - y + q2;
            long e1 = Math.multiplyHigh(s, nip) + (nisign & s);
            long e2 = Math.multiplyHigh(d, wlp) + (wlsign & d);
            a[j] = s * ni - e1 * q;
            a[j + half] = d * wl - e2 * q;
        }
    }
}
