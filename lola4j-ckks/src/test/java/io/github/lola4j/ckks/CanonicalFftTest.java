package io.github.lola4j.ckks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.jtransforms.fft.DoubleFFT_1D;
import org.jtransforms.utils.CommonUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import pl.edu.icm.jlargearrays.ConcurrencyUtils;

/** The encoder's FFT against a naive DFT and JTransforms' own full-size transform, and JTransforms' settings left alone. */
class CanonicalFftTest {

    private static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[2 * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble(-1, 1);
        }
        return v;
    }

    @Test
    void smallTransformsEqualTheNaiveDft() {
        for (int n : new int[] {1, 2, 8, 64}) {
            double[] x = random(n, n);
            double[] f = x.clone();
            new CanonicalFft(n).forward(f);
            for (int k = 0; k < n; k++) {
                double re = 0;
                double im = 0;
                for (int j = 0; j < n; j++) {
                    double a = -2 * Math.PI * ((long) j * k % n) / n;
                    re += x[2 * j] * Math.cos(a) - x[2 * j + 1] * Math.sin(a);
                    im += x[2 * j] * Math.sin(a) + x[2 * j + 1] * Math.cos(a);
                }
                assertEquals(re, f[2 * k], 1e-12, "n = " + n + ", k = " + k);
                assertEquals(im, f[2 * k + 1], 1e-12, "n = " + n + ", k = " + k);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {4096, 8192, 16384, 32768})
    void splitTransformsEqualTheFullOneAndInvert(int n) {
        CanonicalFft fft = new CanonicalFft(n);
        assertTrue(fft.leafSize() == 1 || 2L * fft.leafSize() < CommonUtils.getThreadsBeginN_1D_FFT_2Threads(), "leaf " + fft.leafSize());
        double[] x = random(n, 7);
        double[] mine = x.clone();
        fft.forward(mine);
        double[] full = x.clone();
        new DoubleFFT_1D(n).complexForward(full);
        double worst = 0;
        for (int i = 0; i < full.length; i++) {
            worst = Math.max(worst, Math.abs(mine[i] - full[i]));
        }
        assertTrue(worst < 1e-10 * Math.sqrt(n), "n = " + n + ": " + worst);
        fft.inverse(mine);
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], mine[i] / n, 1e-12, "round trip at " + i);
        }
    }

    @Test
    void theEncoderLeavesJTransformsSettingsAlone() {
        int threads = ConcurrencyUtils.getNumberOfThreads();
        long begin = CommonUtils.getThreadsBeginN_1D_FFT_2Threads();
        Encoder e = new Encoder(ParameterPresets.n16384Depth6());
        double[] v = e.decode(e.encode(new double[] {1, 2, 3}));
        assertEquals(2.0, v[1], 1e-6);
        assertEquals(threads, ConcurrencyUtils.getNumberOfThreads());
        assertEquals(begin, CommonUtils.getThreadsBeginN_1D_FFT_2Threads());
        // nothing in lola4j sets it (this JVM has run other encoders before): JLargeArrays' own default
        assertEquals(Runtime.getRuntime().availableProcessors(), ConcurrencyUtils.getNumberOfThreads());
    }
}
