package io.github.lola4j.ckks;

import io.github.lola4j.math.Modulus;
import io.github.lola4j.ring.RnsPoly;
import io.github.lola4j.ring.RnsRing;

/**
 * An encoded message: one polynomial in NTT form over the primes q_0 .. q_level, with the scale
 * its values were multiplied by. Produced by {@link Encoder} and {@link Decryptor}.
 *
 * <p>Immutable by contract: the library never writes to a plaintext after creating it, and
 * {@link #poly()} is documented as read-only.
 */
public final class Plaintext {

    /** Primes from this many bits up are multiplied in Montgomery form by the multiply-and-sum products. */
    private static final int MONTGOMERY_BITS = 31;

    private final RnsPoly poly;              // null in the product form
    private final double scale;
    /** The product form's rows: Montgomery residues for primes of 2^31 and above, plain ones below. */
    private final long[][] productRows;
    private final RnsRing ring;
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
        this.ring = poly.ring();
        this.productRows = null;
    }

    private Plaintext(RnsRing ring, long[][] productRows, double scale) {
        this.poly = null;
        this.scale = scale;
        this.ring = ring;
        this.productRows = productRows;
    }

    /**
     * The same plaintext in the only form that {@link Evaluator#multiplyPlainAndSum} reads: for primes of 2^31 and above, the residues in
     * Montgomery form replace the plain ones instead of sitting beside them. A plaintext used only in
     * those products (the weights of a linear layer) takes half the memory this way; the values,
     * level and scale are the same, and {@link #poly()} rebuilds the plain residues on every call.
     *
     * @return the product form (this plaintext, if it already is one)
     */
    public Plaintext productForm() {
        if (productRows != null) {
            return this;
        }
        long[][] rows = new long[ring.limbs()][];
        for (int l = 0; l < rows.length; l++) {
            rows[l] = productRow(l);
        }
        return new Plaintext(ring, rows, scale);
    }

    /** Whether this is a {@link #productForm()}. */
    public boolean isProductForm() {
        return productRows != null;
    }

    /**
     * The polynomial (NTT form; read-only: do not modify). A product form rebuilds it on each call
     * (one multiplication per residue of its large primes).
     */
    public RnsPoly poly() {
        if (poly != null) {
            return poly;
        }
        long[][] rows = new long[productRows.length][];
        for (int l = 0; l < rows.length; l++) {
            Modulus q = ring.modulus(l);
            if (q.value() < (1L << MONTGOMERY_BITS)) {
                rows[l] = productRows[l];
                continue;
            }
            long inv = q.inv(q.montgomeryFactor());
            long invShoup = q.shoup(inv);
            long[] src = productRows[l];
            long[] dst = new long[src.length];
            for (int c = 0; c < src.length; c++) {
                dst[c] = q.mulShoup(src[c], inv, invShoup);
            }
            rows[l] = dst;
        }
        return RnsPoly.wrap(ring, rows, true);
    }

    /** The level (index of the last prime). */
    public int level() {
        return ring.limbs() - 1;
    }

    /** The scale. */
    public double scale() {
        return scale;
    }

    /**
     * Limb l as the multiply-and-sum products read it: for a prime below 2^31 the residues (their
     * products fit 63-bit sums), otherwise the residues times the Montgomery factor 2^64 mod q_l (a
     * sum of full 128-bit products with these reduces by one Montgomery reduction to the sum of the
     * products with the plaintext itself). Computed once, then shared.
     */
    long[] productRow(int l) {
        if (productRows != null) {
            return productRows[l];
        }
        return ring.modulus(l).value() < (1L << MONTGOMERY_BITS) ? poly.limb(l) : montgomeryRows()[l];
    }

    /** The ring of the plaintext's level. */
    RnsRing ring() {
        return ring;
    }

    /** Makes the rows {@link #productRow} reads now rather than on first use. */
    void prepareProducts() {
        if (productRows == null) {
            montgomeryRows();
        }
    }

    private long[][] montgomeryRows() {
        long[][] m = montgomery;
        if (m == null) {
            int limbs = poly.limbs();
            m = new long[limbs][];
            for (int l = 0; l < limbs; l++) {
                Modulus q = poly.ring().modulus(l);
                if (q.value() < (1L << MONTGOMERY_BITS)) {
                    continue;
                }
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
        return "Plaintext(level=" + level() + ", scale=2^" + String.format("%.3f", Math.log(scale) / Math.log(2))
                + (productRows != null ? ", product form" : "") + ")";
    }
}
