package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;

/**
 * A hybrid key-switching key from a secret s' to s (Han and Ki 2020): one RLWE encryption under
 * s over Q and P per digit j, b_j = -a_j s + e_j + P (Q/D_j) [(Q/D_j)^-1]_{D_j} s', NTT form.
 * In RNS the gadget factor is P mod q_i on the primes of digit j and zero elsewhere. The uniform
 * halves a_j are expanded from one seed (digit j uses stream j).
 *
 * <p>A key made for levels up to l only (see {@link KeyRequirements}) holds its polynomials over
 * q_0 .. q_l and P, and only the digits that meet q_0 .. q_l: on each prime its residues are those
 * of the key for every level, since the gadget factor of a prime does not depend on the others.
 *
 * <p>Immutable.
 */
public class SwitchingKey {

    private final CkksParameters params;
    private final RnsPoly[] b;
    private final RnsPoly[] a;
    private final byte[] seed;
    private final int level;

    SwitchingKey(CkksParameters params, RnsPoly[] b, RnsPoly[] a, byte[] seed) {
        this.params = params;
        this.b = b;
        this.a = a;
        this.seed = seed;
        this.level = b[0].limbs() - params.specialPrimes().length - 1;
        KeySwitcher ks = params.keySwitcher();
        if (level < 0 || level > params.maxLevel() || b.length != ks.digitsAtLevel(level) || a.length != b.length) {
            throw new IllegalArgumentException("a switching key at level " + level + " has " + ks.digitsAtLevel(level)
                    + " digits, got " + b.length + " and " + a.length);
        }
        for (int j = 0; j < b.length; j++) {
            if (!b[j].ring().sameAs(ks.ringQP(level)) || !a[j].ring().sameAs(ks.ringQP(level))) {
                throw new IllegalArgumentException("digit " + j + " of a switching key at level " + level + " is not over q_0 .. q_"
                        + level + " and P");
            }
        }
    }

    /** The parameter set the key belongs to. */
    public CkksParameters parameters() {
        return params;
    }

    /** The number of digits. */
    public int digits() {
        return b.length;
    }

    /**
     * The highest level the key switches at: the parameter set's top level, or lower for a key
     * generated for the levels a computation uses it at.
     */
    public int level() {
        return level;
    }

    RnsPoly b(int j) {
        return b[j];
    }

    RnsPoly a(int j) {
        return a[j];
    }

    byte[] seed() {
        return seed;
    }

    /** The size in bytes of the key material held in memory (all residues, 8 bytes each). */
    public long sizeInBytes() {
        return 2L * b.length * b[0].limbs() * b[0].ringDegree() * 8;
    }
}
