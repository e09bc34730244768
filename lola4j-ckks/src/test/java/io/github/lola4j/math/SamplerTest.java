package io.github.lola4j.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private final Sampler sampler = new Sampler(new SecureRandom());

    @Test
    void gaussianHasSigma32AndIsBounded() {
        int n = 400_000;
        long[] e = sampler.gaussian(n);
        double sum = 0;
        double sq = 0;
        long max = 0;
        for (long v : e) {
            sum += v;
            sq += (double) v * v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = sum / n;
        double var = sq / n - mean * mean;
        // The standard error of the mean is 3.2/sqrt(n) = 0.005; of the variance about 0.023.
        assertEquals(0, mean, 0.03, "mean");
        assertEquals(3.2 * 3.2, var, 0.15, "variance");
        assertTrue(max <= Sampler.GAUSSIAN_BOUND, "bounded by 6 sigma");
        assertTrue(max >= 12, "tails are reached: max |e| = " + max);
        // Symmetry: P(e = k) = P(e = -k) within a few standard errors.
        long pos = Arrays.stream(e).filter(v -> v == 3).count();
        long neg = Arrays.stream(e).filter(v -> v == -3).count();
        assertTrue(Math.abs(pos - neg) < 5 * Math.sqrt(pos + neg), pos + " vs " + neg);
    }

    @Test
    void ternaryIsUniformOnMinusOneZeroOne() {
        int n = 300_000;
        long[] s = sampler.ternary(n);
        long[] counts = new long[3];
        for (long v : s) {
            assertTrue(v >= -1 && v <= 1);
            counts[(int) v + 1]++;
        }
        double expected = n / 3.0;
        double chi2 = 0;
        for (long c : counts) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        assertTrue(chi2 < 20, "chi-square with 2 degrees of freedom = " + chi2); // p < 5e-5 under H0
    }

    @Test
    void fixedHammingWeightHasExactlyHNonZerosSpreadOut() {
        int n = 8192;
        int h = 192;
        long[] hits = new long[4];
        for (int rep = 0; rep < 50; rep++) {
            long[] s = sampler.ternaryHammingWeight(n, h);
            int nz = 0;
            int plus = 0;
            for (int i = 0; i < n; i++) {
                assertTrue(s[i] >= -1 && s[i] <= 1);
                if (s[i] != 0) {
                    nz++;
                    hits[i * 4 / n]++;
                    if (s[i] == 1) {
                        plus++;
                    }
                }
            }
            assertEquals(h, nz);
            assertTrue(plus > 50 && plus < 142, "signs balanced: " + plus);
        }
        for (long c : hits) {
            assertEquals(50 * h / 4.0, c, 200, "positions uniform over quarters");
        }
        assertThrows(IllegalArgumentException.class, () -> sampler.ternaryHammingWeight(10, 11));
    }

    @Test
    void uniformResiduesAreInRangeWithMeanHalfQ() {
        Modulus[] m = {new Modulus(Primes.nttPrimesNear(4096, new int[] {60})[0]), new Modulus(40961)};
        long[][] out = new long[2][100_000];
        sampler.uniform(m, out);
        for (int i = 0; i < 2; i++) {
            double mean = 0;
            for (long v : out[i]) {
                assertTrue(v >= 0 && v < m[i].value());
                mean += (double) v / m[i].value();
            }
            mean /= out[i].length;
            assertEquals(0.5, mean, 0.005); // standard error 0.0009
        }
    }

    @Test
    void seedExpansionIsDeterministicAndDomainSeparated() {
        byte[] seed = sampler.newSeed();
        Modulus[] m = {new Modulus(40961), new Modulus(65537)};
        long[][] a = new long[2][1000];
        long[][] b = new long[2][1000];
        long[][] c = new long[2][1000];
        Sampler.uniformFromSeed(seed, 0, m, a);
        Sampler.uniformFromSeed(seed.clone(), 0, m, b);
        Sampler.uniformFromSeed(seed, 1, m, c);
        assertArrayEquals(a, b);
        assertFalse(Arrays.deepEquals(a, c));
        assertThrows(IllegalArgumentException.class, () -> new SeedExpander(new byte[16], 0));
    }

    @Test
    void seedExpanderIsAes256Ctr() {
        // FIPS-197 style known answer: AES-256 with the all-zero key encrypts the zero block to
        // dc95c078a2408989ad48a21492842087; CTR with a zero IV starts with exactly that block.
        SeedExpander x = new SeedExpander(new byte[32], 0);
        assertEquals(0x898940a278c095dcL, x.nextLong());
        assertEquals(0x8720849214a248adL, x.nextLong());
    }
}
