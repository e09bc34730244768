package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.testkit.CkksContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RotationTest {

    private static double[] rotated(double[] x, int k) {
        int n = x.length;
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = x[Math.floorMod(i + k, n)];
        }
        return r;
    }

    private static void assertClose(CkksContext c, double[] expected, Ciphertext ct, String what) {
        assertClose(c, expected, ct, what, 1);
    }

    /** Within {@code factor} times 2^-(scaleBits - 16): a sum of k noisy terms carries up to k times the noise. */
    private static void assertClose(CkksContext c, double[] expected, Ciphertext ct, String what, double factor) {
        PrecisionStats s = PrecisionStats.compare(expected, c.decrypt(ct));
        assertTrue(s.maxError() < factor * 65536.0 / c.params.defaultScale(), what + ": " + s);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"logN=13/L=3/P=1/scale=36", "logN=14/L=6/P=2/scale=40", "logN=14/L=6/P=1/scale=40"})
    void everyKeyedStepAtEveryLevelAndHoistedEqualsPlain(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        double[] x = c.randomValues(11);
        for (int level = 0; level <= c.params.maxLevel(); level++) {
            Ciphertext ct = c.encrypt(x, level);
            Ciphertext[] hoisted = ev.rotateHoisted(ct, CkksContext.ROTATIONS);
            for (int i = 0; i < CkksContext.ROTATIONS.length; i++) {
                int k = CkksContext.ROTATIONS[i];
                Ciphertext plain = ev.rotate(ct, k);
                assertEquals(1, ev.rotationCost(k));
                // A fresh public-key encryption alone reaches 2^-25.4 at scale 2^40, and with one special
                // prime and a digit per prime the key switch adds about as much again: one run in many
                // reached 2^-23.96 over 8,192 slots at level 6. The bound, 2^-23, keeps a bit above what
                // the noise reaches; a wrong rotation errs by the values themselves, about 1.
                assertClose(c, rotated(x, k), plain, "rotate " + k + " at level " + level, 2);
                assertClose(c, rotated(x, k), hoisted[i], "hoisted rotate " + k + " at level " + level, 2);
                // Hoisting changes only the order of exact operations: both decrypt to the same values up to noise.
                double[] a = c.decrypt(plain);
                double[] b = c.decrypt(hoisted[i]);
                assertArrayEquals(a, b, 65536.0 / c.params.defaultScale());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"logN=13/L=3/P=1/scale=36"})
    void composedRotationsConjugationAndRotateAndSum(String name) {
        CkksContext c = CkksContext.get(name);
        Evaluator ev = c.evaluator;
        double[] x = c.randomValues(12);
        double[] im = c.randomValues(13);
        Ciphertext ct = c.encryptor.encrypt(c.encoder.encodeComplex(x, im, 2, c.params.defaultScale()));
        // 7 = 4 + 3 and 5 = 4 + 1: no exact key, composed from two.
        for (int k : new int[] {7, 5, 12, -2}) {
            assertEquals(2, ev.rotationCost(k), "cost of " + k);
            double[] re = c.encoder.decodeComplex(c.decryptor.decrypt(ev.rotate(ct, k)))[0];
            assertTrue(PrecisionStats.compare(rotated(x, k), re).maxError() < 1e-5, "composed rotate " + k);
        }
        double[][] conj = c.encoder.decodeComplex(c.decryptor.decrypt(ev.conjugate(ct)));
        double[] negIm = new double[im.length];
        for (int i = 0; i < im.length; i++) {
            negIm[i] = -im[i];
        }
        assertTrue(PrecisionStats.compare(x, conj[0]).maxError() < 1e-5, "conjugate keeps the real part");
        assertTrue(PrecisionStats.compare(negIm, conj[1]).maxError() < 1e-5, "conjugate negates the imaginary part");
        Ciphertext real = c.encrypt(x, 2);
        Ciphertext sums = ev.rotateAndSum(real, 8);
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            for (int u = 0; u < 8; u++) {
                expected[i] += x[(i + u) % x.length];
            }
        }
        assertClose(c, expected, sums, "rotateAndSum 8", 8);
        Ciphertext into = real.copy();
        ev.rotateAndSum(into, 8, into);
        assertClose(c, expected, into, "rotateAndSum 8 in place", 8);
        assertClose(c, x, real, "rotateAndSum leaves its input unchanged");
    }
}
