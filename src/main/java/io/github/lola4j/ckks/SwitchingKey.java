package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;

/**
 * A hybrid key-switching key from a secret s' to s (Han and Ki 2020): one RLWE encryption under
 * s over Q and P per digit j, b_j = -a_j s + e_j + P (Q/D_j) [(Q/D_j)^-1]_{D_j} s', NTT form.
 * In RNS the gadget factor is P mod q_i on the primes of digit j and zero elsewhere. The uniform
 * halves a_j are expanded from one seed (digit j uses stream j).
 *
 * <p>Immutable.
 */
public class SwitchingKey {

    private final CkksParameters params;
    private final RnsPoly[] b;
    private final RnsPoly[] a;
    private final byte[] seed;

    SwitchingKey(CkksParameters params, RnsPoly[] b, RnsPoly[] a, byte[] seed) {
        this.params = params;
        this.b = b;
        this.a = a;
        this.seed = seed;
    }

    /** The parameter set the key belongs to. */
    public CkksParameters parameters() {
        return params;
    }

    /** The number of digits. */
    public int digits() {
        return b.length;
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
