package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;

/**
 * The public encryption key (b, a) = (-a s + e, a) over Q and P, NTT form. The uniform half a is
 * expanded from a 32-byte seed, which is all the serialized form stores of it.
 */
public final class PublicKey {

    private final CkksParameters params;
    private final RnsPoly b;
    private final RnsPoly a;
    private final byte[] seed;

    PublicKey(CkksParameters params, RnsPoly b, RnsPoly a, byte[] seed) {
        this.params = params;
        this.b = b;
        this.a = a;
        this.seed = seed;
    }

    /** The parameter set the key belongs to. */
    public CkksParameters parameters() {
        return params;
    }

    RnsPoly b() {
        return b;
    }

    RnsPoly a() {
        return a;
    }

    byte[] seed() {
        return seed;
    }
}
