package io.github.lola4j.ckks;

import io.github.lola4j.ring.RnsPoly;

/**
 * The secret key s: a ternary polynomial, held in NTT form over all primes Q and P.
 *
 * <p>It never leaves the client in any lola4j API or protocol: the serializer writes it only to a
 * stream the caller names explicitly, and the prediction service has no message that carries it.
 */
public final class SecretKey {

    private final CkksParameters params;
    private final RnsPoly s;

    SecretKey(CkksParameters params, RnsPoly s) {
        this.params = params;
        this.s = s;
    }

    /** The parameter set the key belongs to. */
    public CkksParameters parameters() {
        return params;
    }

    /** s over Q and P, NTT form (package-internal: never handed out). */
    RnsPoly poly() {
        return s;
    }

    @Override
    public String toString() {
        return "SecretKey(" + params.ringDegree() + ", hidden)";
    }
}
