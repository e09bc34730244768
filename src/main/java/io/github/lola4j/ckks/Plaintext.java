package io.github.lola4j.ckks;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.ring.RnsPoly;

/**
 * An encoded message: one polynomial in NTT form over the primes q_0 .. q_level, with the scale
 * its values were multiplied by. Produced by {@link Encoder} and {@link Decryptor}.
 *
 * <p>Immutable by contract: the library never writes to a plaintext after creating it, and
 * {@link #poly()} is documented as read-only.
 */
public final class Plaintext {

    private final RnsPoly poly;
    private final double scale;
    /** The residues times 2^64 mod each prime, made on first use by the multiply-and-sum products. */
    private volatile long[][] montgomery;

    /**
     * Wraps a polynomial.
     *
     * @param poly  the polynomial, in NTT form (not copied)
     * @param scale the scale, positive and finite
     */
    public Plaintext(RnsPoly poly, double scale) {
        if (!poly.isNtt()) {
            throw new IllegalArgumentException("a plaintext polynomial must be in NTT form");
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
        }
        this.poly = poly;
        this.scale = scale;
    }

    /** The polynomial (NTT form; read-only: do not modify). */
    public RnsPoly poly() {
        return poly;
    }

    /** The level (index of the last prime). */
    public int level() {
        return poly.level();
    }

    /** The scale. */
    public double scale() {
        return scale;
    }

    /**
     * The residues of every limb multiplied by the Montgomery factor 2^64 mod q_i (computed once,
     * then shared): a sum of full 128-bit products with these rows reduces by one Montgomery
     * reduction to the sum of the products with the plaintext itself.
     */
    long[][] montgomeryRows() {
        long[][] m = montgomery;
        if (m == null) {
            int limbs = poly.limbs();
            m = new long[limbs][];
            for (int l = 0; l < limbs; l++) {
                Modulus q = poly.ring().modulus(l);
                long r = q.montgomeryFactor();
                long rp = q.shoup(r);
                long[] src = poly.limb(l);
                long[] dst = new long[src.length];
                for (int c = 0; c < src.length; c++) {
                    dst[c] = q.mulShoup(src[c], r, rp);
                }
                m[l] = dst;
            }
            montgomery = m;
        }
        return m;
    }

    @Override
    public String toString() {
        return "Plaintext(level=" + level() + ", scale=2^" + String.format("%.3f", Math.log(scale) / Math.log(2)) + ")";
    }
}
