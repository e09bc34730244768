package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;

/** The key that switches s^2 back to s after a ciphertext-ciphertext multiplication. */
public final class RelinearizationKey extends SwitchingKey {

    RelinearizationKey(CkksParameters params, RnsPoly[] b, RnsPoly[] a, byte[] seed) {
        super(params, b, a, seed);
    }
}
