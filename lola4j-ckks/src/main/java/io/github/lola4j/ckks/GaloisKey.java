package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;

/**
 * The key of the automorphism sigma_g: X -&gt; X^g, a rotation by k slots when g = 5^k mod 2N,
 * conjugation when g = 2N - 1. It switches s to sigma_g^-1(s) (b_j + a_j sigma_g^-1(s) ~ P g_j s):
 * the evaluator key-switches c_1 with it and then applies sigma_g to the result, so that the
 * decomposition of c_1 is read in place and shared by every step of a hoisted rotation (the
 * permutation moves two output polynomials instead of every digit). Equivalent to a key from
 * sigma_g(s) to s applied to sigma_g(c_1).
 */
public final class GaloisKey extends SwitchingKey {

    private final long galoisElement;

    GaloisKey(CkksParameters params, long galoisElement, RnsPoly[] b, RnsPoly[] a, byte[] seed) {
        super(params, b, a, seed);
        this.galoisElement = galoisElement;
    }

    /** The Galois element g. */
    public long galoisElement() {
        return galoisElement;
    }
}
