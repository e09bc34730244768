package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;

/**
 * The key that switches sigma_g(s) back to s, for the automorphism X -&gt; X^g: a rotation by k
 * slots when g = 5^k mod 2N, conjugation when g = 2N - 1.
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
