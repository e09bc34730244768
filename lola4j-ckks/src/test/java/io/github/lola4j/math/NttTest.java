package io.github.lola4j.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.testkit.Naive;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NttTest {

    private static long[] random(int n, long q, SplittableRandom rnd) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextLong(q);
        }
        return a;
    }

    @ParameterizedTest(name = "N={0} bits={1}")
    @CsvSource({"16,20", "64,61", "256,40", "1024,55", "1024,61", "512,30"})
    void productEqualsSchoolbook(int n, int bits) {
        long q = Primes.nttPrimesNear(n, new int[] {bits})[0];
        NttTables t = new NttTables(n, new Modulus(q));
        SplittableRandom rnd = new SplittableRandom(n * 31L + bits);
        for (int rep = 0; rep < 2; rep++) {
            long[] a = random(n, q, rnd);
            long[] b = random(n, q, rnd);
            if (rep == 1) {
                a[0] = q - 1;
                b[n - 1] = q - 1;
            }
            long[] expected = Naive.negacyclicProduct(a, b, q);
            long[] fa = a.clone();
            long[] fb = b.clone();
            Ntt.forward(fa, t);
            Ntt.forward(fb, t);
            Modulus m = new Modulus(q);
            for (int i = 0; i < n; i++) {
                fa[i] = m.mul(fa[i], fb[i]);
            }
            Ntt.inverse(fa, t);
            assertArrayEquals(expected, fa);
        }
    }

    @ParameterizedTest(name = "N={0}")
    @CsvSource({"2", "8", "64", "1024"})
    void forwardIsEvaluationAtOddPowersInBitReversedOrder(int n) {
        long q = Primes.nttPrimesNear(n, new int[] {45})[0];
        NttTables t = new NttTables(n, new Modulus(q));
        long[] a = random(n, q, new SplittableRandom(n));
        long[] f = a.clone();
        Ntt.forward(f, t);
        for (int k = 0; k < n; k++) {
            long x = Naive.powMod(t.psi(), t.evaluationExponent(k), q);
            assertEquals(Naive.evaluate(a, x, q), f[k], "index " + k);
        }
    }

    @ParameterizedTest(name = "N=2^{0}")
    @CsvSource({"10", "12", "13", "14", "15", "16", "17"})
    void roundTripAtEverySupportedSize(int logN) {
        int n = 1 << logN;
        for (int bits : new int[] {50, 61}) {
            long q = Primes.nttPrimesNear(n, new int[] {bits})[0];
            NttTables t = new NttTables(n, new Modulus(q));
            long[] a = random(n, q, new SplittableRandom(logN + bits));
            long[] f = a.clone();
            Ntt.forward(f, t);
            for (long v : f) {
                assertTrue(v >= 0 && v < q, "fully reduced");
            }
            Ntt.inverse(f, t);
            assertArrayEquals(a, f);
        }
    }

    @Test
    void lazyVariantsKeepTheirDocumentedRanges() {
        int n = 4096;
        long q = Primes.nttPrimesNear(n, new int[] {61})[0];
        NttTables t = new NttTables(n, new Modulus(q));
        SplittableRandom rnd = new SplittableRandom(3);
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextLong(4 * q); // lazy input range of the forward transform
        }
        long[] reduced = a.clone();
        for (int i = 0; i < n; i++) {
            reduced[i] %= q;
        }
        long[] lazy = a.clone();
        Ntt.forwardLazy(lazy, t);
        long[] full = reduced.clone();
        Ntt.forward(full, t);
        for (int i = 0; i < n; i++) {
            assertTrue(lazy[i] >= 0 && lazy[i] < 4 * q, "forward lazy output in [0, 4q)");
            assertEquals(full[i], lazy[i] % q);
        }
        long[] inv = new long[n];
        for (int i = 0; i < n; i++) {
            inv[i] = full[i] + (rnd.nextBoolean() ? q : 0); // inverse lazy input range [0, 2q)
        }
        Ntt.inverseLazy(inv, t);
        for (int i = 0; i < n; i++) {
            assertTrue(inv[i] >= 0 && inv[i] < 2 * q, "inverse lazy output in [0, 2q)");
            assertEquals(reduced[i], inv[i] % q);
        }
    }

    @Test
    void rejectsMismatchedSizes() {
        NttTables t = new NttTables(16, new Modulus(Primes.nttPrimesNear(16, new int[] {30})[0]));
        assertThrows(IllegalArgumentException.class, () -> Ntt.forward(new long[8], t));
        assertThrows(IllegalArgumentException.class, () -> Ntt.inverse(new long[32], t));
        assertThrows(IllegalArgumentException.class, () -> new NttTables(12, new Modulus(13)));
        assertThrows(IllegalArgumentException.class, () -> new NttTables(16, new Modulus(12289 * 3)));
    }
}
