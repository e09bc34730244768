package io.github.lola4j.ckks;

/**
 * Named parameter sets, each at 128-bit security under the Homomorphic Encryption Standard, built
 * on first use. They are starting points: a computation of known depth (a LoLa plan, for example)
 * should derive its own set with just the levels it needs.
 */
public final class ParameterPresets {

    private ParameterPresets() {
    }

    /**
     * N = 8192, Q = 60 + 40 + 40 bits (2 levels), P = 60 bits, scale 2^40: log2(QP) = 200 of 218.
     * The set of Microsoft SEAL's CKKS examples; two multiplications deep, about 20 bits of precision.
     *
     * @return the parameters
     */
    public static CkksParameters n8192Depth2() {
        return CkksParameters.builder().ringDegree(8192).primeBits(60, 40, 40).specialPrimeBits(60).scaleBits(40).build();
    }

    /**
     * N = 8192, Q = 50 + 3 x 36 bits (3 levels), P = 50 bits, scale 2^36: log2(QP) = 208 of 218.
     * Three multiplications deep with about 16 bits of precision.
     *
     * @return the parameters
     */
    public static CkksParameters n8192Depth3() {
        return CkksParameters.builder().ringDegree(8192).primeBits(50, 36, 36, 36).specialPrimeBits(50).scaleBits(36).build();
    }

    /**
     * N = 16384, Q = 60 + 6 x 40 bits (6 levels), P = 2 x 61 bits with 4 key-switching digits,
     * scale 2^40: log2(QP) = 422 of 438. Hybrid key switching with 4 digits instead of one per
     * prime makes relinearization and rotation cheaper than SEAL's single-special-prime layout.
     *
     * @return the parameters
     */
    public static CkksParameters n16384Depth6() {
        return CkksParameters.builder().ringDegree(16384).primeBits(60, 40, 40, 40, 40, 40, 40).specialPrimeBits(61, 61)
                .scaleBits(40).build();
    }

    /**
     * N = 16384, Q = 60 + 6 x 40 bits (6 levels), P = one 61-bit prime with one key-switching
     * digit per prime (Microsoft SEAL's layout), scale 2^40: log2(QP) = 361 of 438. The same
     * ciphertext primes as {@link #n16384Depth6()}; choose between the two by the levels where the
     * computation switches keys. With one special prime a key switch raises each digit to one prime
     * more instead of two: on the project's build machine a rotation at level 0 takes about 0.8x the
     * two-special-prime set's time, levels 1 and 2 cost about the same, and the upper levels cost
     * more (1.2x at the top, with 7 digits to raise instead of 4; docs/benchmarks.md, "Vector kernels").
     *
     * @return the parameters
     */
    public static CkksParameters n16384Depth6OneSpecialPrime() {
        return CkksParameters.builder().ringDegree(16384).primeBits(60, 40, 40, 40, 40, 40, 40).specialPrimeBits(61)
                .scaleBits(40).build();
    }

    /**
     * N = 32768, Q = 60 + 13 x 50 bits (13 levels), P = 2 x 61 bits, scale 2^50: log2(QP) = 832 of 881.
     *
     * @return the parameters
     */
    public static CkksParameters n32768Depth13() {
        return CkksParameters.builder().ringDegree(32768).primeBits(n32768Chain()).specialPrimeBits(61, 61).scaleBits(50).build();
    }

    /**
     * N = 32768, Q = 60 + 13 x 50 bits (13 levels), P = one 61-bit prime with one key-switching
     * digit per prime, scale 2^50: log2(QP) = 771 of 881. The ciphertext primes of
     * {@link #n32768Depth13()} with the cheaper key switch for the lower levels (see
     * {@link #n16384Depth6OneSpecialPrime()}).
     *
     * @return the parameters
     */
    public static CkksParameters n32768Depth13OneSpecialPrime() {
        return CkksParameters.builder().ringDegree(32768).primeBits(n32768Chain()).specialPrimeBits(61).scaleBits(50).build();
    }

    /** 60 + 13 x 50 bits: the ciphertext primes of both N = 32768 presets. */
    private static int[] n32768Chain() {
        int[] q = new int[14];
        q[0] = 60;
        for (int i = 1; i < q.length; i++) {
            q[i] = 50;
        }
        return q;
    }
}
