package io.github.lola4j.ckks;

/**
 * The classical security level a parameter set must reach, checked against the Homomorphic
 * Encryption Standard (Albrecht et al. 2018), Table 1, for uniform ternary secrets: the largest
 * log2(Q*P) allowed for each ring degree.
 *
 * <p>{@link #NONE} disables the check and exists for tests with toy parameters only; it must be
 * asked for explicitly.
 */
public enum SecurityLevel {
    /** 128-bit classical security: max log2(QP) 27, 54, 109, 218, 438, 881 for N = 2^10 .. 2^15. */
    BITS_128(new int[] {27, 54, 109, 218, 438, 881, 1762}),
    /** 192-bit classical security: 19, 37, 75, 152, 305, 611. */
    BITS_192(new int[] {19, 37, 75, 152, 305, 611, 1222}),
    /** 256-bit classical security: 14, 29, 58, 118, 237, 476. */
    BITS_256(new int[] {14, 29, 58, 118, 237, 476, 952}),
    /** No check at all: insecure parameters for tests. */
    NONE(null);

    private final int[] maxLogQP; // index log2(N) - 10

    SecurityLevel(int[] maxLogQP) {
        this.maxLogQP = maxLogQP;
    }

    /**
     * The largest total modulus size log2(Q*P) this level allows at a ring degree.
     *
     * <p>The HE Standard tabulates N up to 2^15. For N = 2^16 the bound is twice that of 2^15 (the
     * ratio N / log Q that governs lattice security kept constant), below published estimates for
     * that degree.
     *
     * @param ringDegree N, a power of two in [2^10, 2^16]
     * @return the bound in bits, or {@link Double#POSITIVE_INFINITY} for {@link #NONE}
     * @throws IllegalArgumentException if the level has no entry for this degree
     */
    public double maxLog2QP(int ringDegree) {
        if (maxLogQP == null) {
            return Double.POSITIVE_INFINITY;
        }
        int log = Integer.numberOfTrailingZeros(ringDegree);
        if (Integer.bitCount(ringDegree) != 1 || log < 10 || log > 16) {
            throw new IllegalArgumentException("the " + this + " security table covers ring degrees 2^10 .. 2^16, got "
                    + ringDegree + " (use SecurityLevel.NONE for toy parameters in tests)");
        }
        return maxLogQP[log - 10];
    }
}
