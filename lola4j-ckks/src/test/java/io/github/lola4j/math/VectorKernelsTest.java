package io.github.lola4j.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vector kernels against the scalar code, bit for bit, lazy outputs included: ciphertexts
 * must not depend on which one a JVM runs. The tests JVM is started with the Vector API module
 * (pom.xml), so the kernel is exercised here whether or not {@link Simd} chose it on this hardware.
 */
class VectorKernelsTest {

    private static final Kernels VECTOR = Simd.vectorKernel();

    /** Inputs over the whole lazy range [0, bound), with its extremes planted. */
    private static long[] random(int n, long bound, SplittableRandom rnd) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextLong(bound);
        }
        a[0] = bound - 1;
        a[n - 1] = 0;
        a[n / 2] = bound - 1;
        return a;
    }

    @ParameterizedTest(name = "N={0} bits={1}")
    @CsvSource({
        "16,30", "16,61", "32,50", "64,40", "128,61", "256,20", "1024,59", "2048,60",
        "4096,36", "8192,60", "8192,61", "16384,50", "32768,60", "65536,61"})
    void lazyTransformsEqualTheScalarOnesBitForBit(int n, int bits) {
        long q = Primes.nttPrimesNear(n, new int[] {bits})[0];
        NttTables t = new NttTables(n, new Modulus(q));
        SplittableRandom rnd = new SplittableRandom(n * 131L + bits);
        for (int rep = 0; rep < 3; rep++) {
            long[] a = random(n, 4 * q, rnd);
            long[] scalar = a.clone();
            long[] vector = a.clone();
            Ntt.forwardLazyScalar(scalar, t);
            VECTOR.forwardLazy(vector, t);
            assertArrayEquals(scalar, vector, "forward, N = " + n + ", q = " + q);

            long[] b = random(n, 2 * q, rnd);
            scalar = b.clone();
            vector = b.clone();
            Ntt.inverseLazyScalar(scalar, t);
            VECTOR.inverseLazy(vector, t);
            assertArrayEquals(scalar, vector, "inverse, N = " + n + ", q = " + q);
        }
    }

    @ParameterizedTest(name = "length={0} bits={1}")
    @CsvSource({"8,3", "9,20", "17,30", "64,31", "64,32", "100,33", "1024,40", "1031,50", "4096,59", "4096,60", "8192,61"})
    void elementWiseProductsEqualTheScalarOnesBitForBit(int length, int bits) {
        long q = bits < 10 ? 5 : Primes.nttPrimesNear(1024, new int[] {bits})[0];
        Modulus m = new Modulus(q);
        SplittableRandom rnd = new SplittableRandom(length * 17L + bits);
        for (int rep = 0; rep < 3; rep++) {
            long[] x = random(length, q, rnd);
            long[] y = random(length, q, rnd);
            long[] z = random(length, q, rnd);
            long[] expected = new long[length];
            for (int j = 0; j < length; j++) {
                expected[j] = BigInteger.valueOf(x[j]).multiply(BigInteger.valueOf(y[j])).mod(BigInteger.valueOf(q)).longValueExact();
            }
            long[] product = new long[length];
            VECTOR.mul(m, x, y, product);
            assertArrayEquals(expected, product, "mul, q = " + q);
            long[] scalar = new long[length];
            m.mulScalar(x, y, scalar);
            assertArrayEquals(expected, scalar, "scalar mul, q = " + q);

            long[] sum = z.clone();
            VECTOR.mulAdd(m, x, y, sum);
            long[] sumScalar = z.clone();
            m.mulAddScalar(x, y, sumScalar);
            for (int j = 0; j < length; j++) {
                expected[j] = (expected[j] + z[j]) % q;
            }
            assertArrayEquals(expected, sum, "mulAdd, q = " + q);
            assertArrayEquals(expected, sumScalar, "scalar mulAdd, q = " + q);

            long[] aliased = x.clone();
            VECTOR.mul(m, aliased, aliased, aliased);
            long[] squares = new long[length];
            m.mulScalar(x, x, squares);
            assertArrayEquals(squares, aliased, "mul in place, q = " + q);
        }
    }

    @Test
    void arrayProductsRefuseMismatchedLengths() {
        Modulus m = new Modulus(Primes.nttPrimesNear(1024, new int[] {40})[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.mul(new long[16], new long[16], new long[15]));
        assertTrue(e.getMessage().contains("z 15"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.mulAdd(new long[8], new long[9], new long[8]));
    }

    @Test
    void roundTripThroughBothKernelsRestoresTheInput() {
        int n = 4096;
        long q = Primes.nttPrimesNear(n, new int[] {60})[0];
        NttTables t = new NttTables(n, new Modulus(q));
        long[] a = random(n, q, new SplittableRandom(7));
        long[] f = a.clone();
        VECTOR.forwardLazy(f, t);
        for (int i = 0; i < n; i++) {
            assertTrue(f[i] >= 0 && f[i] < 4 * q, "forward lazy output out of [0, 4q) at " + i);
            f[i] %= q;
        }
        VECTOR.inverseLazy(f, t);
        for (int i = 0; i < n; i++) {
            assertTrue(f[i] >= 0 && f[i] < 2 * q, "inverse lazy output out of [0, 2q) at " + i);
            f[i] %= q;
        }
        assertArrayEquals(a, f);
    }
}
