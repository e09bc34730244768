package io.github.lola4j.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The switch between the scalar and the vector transforms. The tests JVM has the Vector API module
 * (pom.xml), so on hardware with 512-bit vectors the warm-up, which the scalar work starts, must hand
 * over to the vector kernels.
 */
class SimdTest {

    @Test
    void warmUpHandsOverToTheVectorKernelsAndResultsDoNotChange() throws InterruptedException {
        int n = 8192;
        NttTables t = new NttTables(n, new Modulus(Primes.nttPrimesNear(n, new int[] {60})[0]));
        long q = t.modulus().value();
        SplittableRandom rnd = new SplittableRandom(11);
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextLong(q);
        }
        long[] expected = a.clone();
        Ntt.forwardLazyScalar(expected, t);
        if (!Simd.enabled()) {
            assertTrue(Simd.description().startsWith("scalar"), Simd.description());
            assertFalse(Simd.ready());
        } else {
            // the warm-up starts only after real work on the scalar code (as a long process does):
            // transforms through the public entry point until it has started and handed over
            long deadline = System.nanoTime() + 90_000_000_000L;
            long[] work = a.clone();
            while (!Simd.ready() && System.nanoTime() < deadline) {
                for (int k = 0; k < 64 && !Simd.ready(); k++) {
                    Ntt.forwardLazy(work, t);
                    Ntt.inverseLazy(work, t);
                }
                Thread.sleep(1);
            }
            assertTrue(Simd.ready(), "the vector kernels did not warm up: " + Simd.description());
            assertFalse(Simd.description().contains("warming up"), Simd.description());
        }
        long[] f = a.clone();
        Ntt.forwardLazy(f, t);
        assertArrayEquals(expected, f);
    }
}
