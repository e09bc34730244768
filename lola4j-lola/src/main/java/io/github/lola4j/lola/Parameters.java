package io.github.lola4j.lola;

import io.github.lola4j.ckks.CkksParameters;
import io.github.lola4j.ckks.SecurityLevel;

/**
 * The compiler's choice of CKKS parameters for a depth and an output range: a first prime holding
 * the scale plus the range bits, one prime near the scale per level, one special prime a little
 * larger than the largest digit (one key-switching digit per prime), the largest scale that fits
 * the security bound.
 */
final class Parameters {

    /**
     * Bits the special prime exceeds the largest digit (the first prime) by. Key switching adds a
     * noise of about (digit / P) sqrt(N) sigma per digit; with the first prime above the scale by
     * the output range, a P below it would make every rotation of a ciphertext at scale Delta
     * noisier than all other operations together (measured: 1e-3 against 3e-6 at Delta = 2^28).
     */
    private static final int SPECIAL_MARGIN = 4;

    private Parameters() {
    }

    /**
     * The parameters, or null when none fits.
     *
     * @param ringDegree N
     * @param depth      the levels the plan consumes
     * @param rangeBits  log2 of the output range (with the margin)
     * @param extraBits  further bits for the first prime (raised after a headroom check)
     * @param o          the options (security, scale range)
     * @return the parameters or null
     */
    static CkksParameters choose(int ringDegree, int depth, double rangeBits, int extraBits, CompileOptions o) {
        double bound = o.security() == SecurityLevel.NONE ? Double.POSITIVE_INFINITY : o.security().maxLog2QP(ringDegree);
        // At least 2 bits: the last multiplication's product (scale^2) must stay a bit below the
        // modulus of level 1 (q0 times a scale-sized prime), which the evaluator checks, even when
        // every output is below 1.
        int range = Math.max(2, (int) Math.ceil(rangeBits) + 1) + extraBits;
        for (int scale = o.maxScaleBits(); scale >= o.minScaleBits(); scale--) {
            int q0 = scale + range;
            if (q0 > 60) {
                continue;
            }
            int p = Math.min(61, Math.max(scale, q0 + SPECIAL_MARGIN));
            if (q0 + (double) depth * scale + p > bound) {
                continue;
            }
            int[] bits = new int[depth + 1];
            bits[0] = q0;
            for (int i = 1; i <= depth; i++) {
                bits[i] = scale;
            }
            try {
                return CkksParameters.builder().ringDegree(ringDegree).primeBits(bits).specialPrimeBits(p).scaleBits(scale)
                        .securityLevel(o.security()).build();
            } catch (IllegalArgumentException e) {
                // The primes found near 2^bits may sum to a little over the bound: try a smaller scale.
            }
        }
        return null;
    }

    /** The largest depth any parameters of this degree hold (0 when none; capped at 60). */
    static int maxDepth(int ringDegree, double rangeBits, CompileOptions o) {
        int d = 0;
        while (d < 60 && choose(ringDegree, d + 1, rangeBits, 0, o) != null) {
            d++;
        }
        return d;
    }
}
