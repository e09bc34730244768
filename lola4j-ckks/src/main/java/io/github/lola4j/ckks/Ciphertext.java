package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;

/**
 * An RLWE ciphertext (c_0, c_1[, c_2]) with c_0 + c_1 s (+ c_2 s^2) = Delta m + e, every
 * polynomial in NTT form over the primes q_0 .. q_level, and the scale Delta it carries.
 *
 * <p>Degree 1 (two polynomials) is the normal form; a product before relinearization has degree
 * 2. The evaluator's into-forms overwrite an output ciphertext whole (its level, scale and
 * polynomials), so a ciphertext object is mutable; it must not be written by two threads at once.
 * A ciphertext fresh from secret-key encryption remembers the seed of its uniform half c_1, which
 * makes its serialized form half as large; any change forgets it.
 */
public final class Ciphertext {

    private RnsPoly[] polys;
    private double scale;
    private byte[] seed;

    /**
     * Wraps polynomials.
     *
     * @param polys 2 or 3 polynomials in NTT form over the same ring (not copied)
     * @param scale the scale, positive and finite
     */
    public Ciphertext(RnsPoly[] polys, double scale) {
        set(polys, scale);
    }

    void set(RnsPoly[] newPolys, double newScale) {
        if (newPolys.length < 2 || newPolys.length > 3) {
            throw new IllegalArgumentException("a ciphertext has 2 or 3 polynomials, got " + newPolys.length);
        }
        for (RnsPoly p : newPolys) {
            if (!p.isNtt()) {
                throw new IllegalArgumentException("ciphertext polynomials must be in NTT form");
            }
            if (!p.ring().sameAs(newPolys[0].ring())) {
                throw new IllegalArgumentException("ciphertext polynomials must share one ring");
            }
        }
        if (!(newScale > 0) || Double.isInfinite(newScale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + newScale);
        }
        this.polys = newPolys;
        this.scale = newScale;
        this.seed = null;
    }

    void setSeed(byte[] seed) {
        this.seed = seed;
    }

    /** The seed of c_1 when it is still the untouched output of secret-key encryption, else null. */
    byte[] seed() {
        return seed;
    }

    /** The level (index of the last prime). */
    public int level() {
        return polys[0].level();
    }

    /** The scale. */
    public double scale() {
        return scale;
    }

    /** The degree: 1 normally, 2 after a multiplication without relinearization. */
    public int degree() {
        return polys.length - 1;
    }

    /**
     * Polynomial i (no copy: the evaluator's working data; do not modify unless you own the
     * ciphertext).
     *
     * @param i index in [0, degree()]
     * @return the polynomial
     */
    public RnsPoly poly(int i) {
        return polys[i];
    }

    /** A deep copy. */
    public Ciphertext copy() {
        RnsPoly[] p = new RnsPoly[polys.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = polys[i].copy();
        }
        Ciphertext c = new Ciphertext(p, scale);
        c.seed = seed;
        return c;
    }

    @Override
    public String toString() {
        return "Ciphertext(level=" + level() + ", degree=" + degree() + ", scale=2^"
                + String.format("%.3f", Math.log(scale) / Math.log(2)) + ")";
    }
}
