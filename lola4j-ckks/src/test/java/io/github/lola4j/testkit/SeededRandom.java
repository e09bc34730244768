package io.github.lola4j.testkit;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** A SecureRandom whose stream is fixed by a seed: tests only, so that two runs draw alike. */
public final class SeededRandom {

    private SeededRandom() {
    }

    /**
     * SHA1PRNG seeded before its first draw, so that the seed is its whole state.
     *
     * @param seed the seed
     * @return the generator
     * @throws NoSuchAlgorithmException when the JDK has no SHA1PRNG
     */
    public static SecureRandom of(long seed) throws NoSuchAlgorithmException {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }
}
