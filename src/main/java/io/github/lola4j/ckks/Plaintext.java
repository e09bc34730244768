package io.github.lola4j.ckks;

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

    @Override
    public String toString() {
        return "Plaintext(level=" + level() + ", scale=2^" + String.format("%.3f", Math.log(scale) / Math.log(2)) + ")";
    }
}
