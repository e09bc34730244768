package io.github.lola4j.math;

/**
 * Precomputed tables for the negacyclic NTT of one size N over one prime q = 1 (mod 2N).
 *
 * <p>With psi the smallest primitive 2N-th root of unity mod q, the tables hold psi^br(k) and
 * psi^-br(k) for k in [0, N), br being the log2(N)-bit reversal, each stored as its centered
 * representative in (-q/2, q/2) with a signed Shoup companion (see the field comment), plus N^-1
 * folded into the last inverse stage. The forward transform of a lists
 * a(psi^(2 br(k) + 1)) at index k (bit-reversed evaluation order); {@link #evaluationExponent(int)}
 * gives that exponent, which automorphisms in NTT form rely on.
 *
 * <p>Immutable and shared: one instance per (N, q), built once per parameter set.
 */
public final class NttTables {

    final Modulus modulus;
    final int n;
    final int logN;
    final long psi;
    // The twiddles are stored centered, in (-q/2, q/2), each with its signed Shoup companion
    // floor(w 2^64 / q), which then lies in (-2^63, 2^63) and fits a signed long. The Shoup bound
    // a*w - floor(a*w'/2^64)*q in [0, 2q) holds for negative w as well, and Math.multiplyHigh is
    // exactly the signed floor(a*w'/2^64): the butterflies need no correction for a companion of
    // 2^63 or more (which an unsigned companion in [0, q) would have for every w above q/2, and
    // Java 17 has no unsignedMultiplyHigh). See Ntt.
    final long[] roots;        // psi^br(k), centered
    final long[] rootsShoup;   // signed Shoup companions of roots
    final long[] invRoots;     // psi^-br(k), centered
    final long[] invRootsShoup;
    final long nInv;           // N^-1, centered
    final long nInvShoup;
    final long lastInvRootTimesNInv;      // psi^-br(1) * N^-1, centered, for the fused last inverse stage
    final long lastInvRootTimesNInvShoup;

    /**
     * Builds the tables.
     *
     * @param ringDegree N, a power of two in [2, 2^17]
     * @param modulus    a prime q = 1 (mod 2N) of at most 61 bits
     * @throws IllegalArgumentException if N is not a supported power of two or q is not NTT-friendly
     */
    public NttTables(int ringDegree, Modulus modulus) {
        if (ringDegree < 2 || ringDegree > (1 << 17) || Integer.bitCount(ringDegree) != 1) {
            throw new IllegalArgumentException("ring degree must be a power of two in [2, 131072], got " + ringDegree);
        }
        this.modulus = modulus;
        this.n = ringDegree;
        this.logN = Integer.numberOfTrailingZeros(ringDegree);
        long q = modulus.value();
        this.psi = Primes.minimalPrimitive2NthRoot(ringDegree, q);
        long psiInv = modulus.inv(psi);
        roots = new long[n];
        rootsShoup = new long[n];
        invRoots = new long[n];
        invRootsShoup = new long[n];
        long p = 1;
        long pi = 1;
        long[] powers = new long[n];
        long[] invPowers = new long[n];
        for (int i = 0; i < n; i++) {
            powers[i] = p;
            invPowers[i] = pi;
            p = modulus.mul(p, psi);
            pi = modulus.mul(pi, psiInv);
        }
        for (int k = 0; k < n; k++) {
            int r = bitReverse(k, logN);
            roots[k] = centered(powers[r], q);
            invRoots[k] = centered(invPowers[r], q);
            rootsShoup[k] = signedShoup(modulus, roots[k]);
            invRootsShoup[k] = signedShoup(modulus, invRoots[k]);
        }
        long ni = modulus.inv(n % q);
        nInv = centered(ni, q);
        nInvShoup = signedShoup(modulus, nInv);
        lastInvRootTimesNInv = centered(modulus.mul(invPowers[bitReverse(1, logN)], ni), q);
        lastInvRootTimesNInvShoup = signedShoup(modulus, lastInvRootTimesNInv);
    }

    /** The representative of x in [0, q) that lies in (-q/2, q/2) (q is odd). */
    private static long centered(long x, long q) {
        return x > (q >>> 1) ? x - q : x;
    }

    /**
     * The signed Shoup companion floor(w 2^64 / q) of a centered w, |w| &lt; q/2, which lies in
     * (-2^63, 2^63). For w &lt; 0 it is -(floor(|w| 2^64 / q) + 1): q is odd and does not divide
     * |w| 2^64, so the floor of the negative quotient is one below minus the floor of |w| 2^64 / q.
     */
    static long signedShoup(Modulus modulus, long w) {
        return w >= 0 ? modulus.shoup(w) : -modulus.shoup(-w) - 1;
    }

    /** The ring degree N. */
    public int ringDegree() {
        return n;
    }

    /** The prime q. */
    public Modulus modulus() {
        return modulus;
    }

    /** The primitive 2N-th root of unity psi the tables are built from. */
    public long psi() {
        return psi;
    }

    /**
     * The odd exponent e such that index k of a forward transform holds a(psi^e).
     *
     * @param k an index in [0, N)
     * @return 2 br(k) + 1, in [1, 2N)
     */
    public int evaluationExponent(int k) {
        return 2 * bitReverse(k, logN) + 1;
    }

    /**
     * Reverses the low {@code bits} bits of x.
     *
     * @param x    the value, in [0, 2^bits)
     * @param bits the width
     * @return the bit-reversed value
     */
    public static int bitReverse(int x, int bits) {
        return bits == 0 ? 0 : Integer.reverse(x) >>> (32 - bits);
    }
}
