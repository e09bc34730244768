package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lola4j.testkit.CkksContext;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EncryptionTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"logN=13/L=3/P=1/scale=36", "logN=14/L=6/P=2/scale=40"})
    void encodeDecodeRoundTripIsExactToRounding(String name) {
        CkksContext c = CkksContext.get(name);
        double[] v = c.randomValues(1);
        double[] im = c.randomValues(2);
        for (int level : new int[] {0, c.params.maxLevel()}) {
            double[][] back = c.encoder.decodeComplex(c.encoder.encodeComplex(v, im, level, c.params.defaultScale()));
            PrecisionStats re = PrecisionStats.compare(v, back[0]);
            PrecisionStats ii = PrecisionStats.compare(im, back[1]);
            System.out.println(name + " encode/decode level " + level + ": " + re);
            // Rounding to integers at scale 2^k gives errors about sqrt(N) 2^-k in the slots.
            double bound = Math.sqrt(c.params.ringDegree()) * 4 / c.params.defaultScale();
            assertTrue(re.maxError() < bound, re.toString());
            assertTrue(ii.maxError() < bound, ii.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"logN=13/L=3/P=1/scale=36", "logN=14/L=6/P=2/scale=40"})
    void freshEncryptionDecryptsWithinBound(String name) {
        CkksContext c = CkksContext.get(name);
        double[] v = c.randomValues(3);
        for (int level = 0; level <= c.params.maxLevel(); level++) {
            Plaintext pt = c.encoder.encode(v, level, c.params.defaultScale());
            for (Encryptor e : new Encryptor[] {c.encryptor, c.skEncryptor}) {
                Ciphertext ct = e.encrypt(pt);
                assertEquals(level, ct.level());
                PrecisionStats s = PrecisionStats.compare(v, c.decrypt(ct));
                if (level == c.params.maxLevel()) {
                    System.out.println(name + " fresh encryption (" + (e == c.encryptor ? "public" : "secret") + " key): " + s);
                }
                // Secret-key encryption carries only the Gaussian error e: at scale 2^40 about 2^-30, bound 2^-27.
                // Public-key encryption adds the rounding of the division by P times the secret, r1 s, whose
                // slot values reach about 2^15: at scale 2^40 a maximum near 2^-26 (as in SEAL), bound 2^-24.
                int scaleBits = (int) Math.round(Math.log(c.params.defaultScale()) / Math.log(2));
                double bound = Math.scalb(1.0, -scaleBits + (e == c.encryptor ? 16 : 13));
                assertTrue(s.maxError() < bound, "level " + level + ": " + s + " above 2^" + Math.log(bound) / Math.log(2));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"logN=13/L=3/P=1/scale=36"})
    void constantsAndLargeValues(String name) {
        CkksContext c = CkksContext.get(name);
        double[] back = c.encoder.decode(c.encoder.encodeConstant(-3.25, 1, c.params.defaultScale()));
        for (double x : back) {
            assertEquals(-3.25, x, 1e-8);
        }
        // Values far above 1 at a small scale still round-trip (the slow path for coefficients >= 2^62 included).
        double[] big = new double[c.params.slots()];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < big.length; i++) {
            big[i] = r.nextDouble(-1e6, 1e6);
        }
        double[] out = c.encoder.decode(c.encoder.encode(big, c.params.maxLevel(), Math.scalb(1.0, 60)));
        assertTrue(PrecisionStats.compare(big, out).maxError() < 1e-6);
        // Slots beyond the input are zero.
        double[] shortIn = {1, 2, 3};
        double[] shortOut = c.encoder.decode(c.encoder.encode(shortIn));
        assertArrayEquals(shortIn, java.util.Arrays.copyOf(shortOut, 3), 1e-6);
        assertEquals(0, shortOut[3], 1e-6);
    }
}
