package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The linear classifier of the deep-features setting, and the feature sets it learns from: the
 * fit is a stationary point of the objective computed here independently, does not depend on the
 * thread count, and separates clustered classes; feature sets survive a round trip and refuse
 * damage and another extractor's fingerprint.
 */
class SoftmaxRegressionTest {

    /** Clusters around random centres in d dimensions, k classes, n samples. */
    private static LabeledFeatures clusters(int n, int d, int k, double spread, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] centres = new double[k][d];
        for (double[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = r.nextGaussian();
            }
        }
        double[][] x = new double[n][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
            for (int j = 0; j < d; j++) {
                x[i][j] = centres[y[i]][j] + spread * r.nextGaussian();
            }
        }
        return LabeledFeatures.of("clusters", x, y, k);
    }

    /** sum CE + |W|^2 / (2C)'s gradient, computed the plain way. */
    private static double[] naiveGradient(Dense layer, LabeledFeatures data, double c) {
        int d = data.dimension();
        int k = data.classes();
        double[] g = new double[k * d + k];
        double[][] w = layer.weights();
        for (int i = 0; i < data.count(); i++) {
            double[] x = data.features(i);
            double[] p = new double[k];
            double sum = 0;
            for (int o = 0; o < k; o++) {
                double z = layer.bias(o);
                for (int j = 0; j < d; j++) {
                    z += w[o][j] * x[j];
                }
                p[o] = Math.exp(z);
                sum += p[o];
            }
            for (int o = 0; o < k; o++) {
                double e = p[o] / sum - (o == data.label(i) ? 1 : 0);
                for (int j = 0; j < d; j++) {
                    g[o * d + j] += e * x[j];
                }
                g[k * d + o] += e;
            }
        }
        for (int o = 0; o < k; o++) {
            for (int j = 0; j < d; j++) {
                g[o * d + j] += w[o][j] / c;
            }
        }
        return g;
    }

    @Test
    void theFitIsAStationaryPointOfTheObjective() {
        LabeledFeatures train = clusters(300, 12, 5, 1.5, 7);
        SoftmaxRegression.Fit fit = SoftmaxRegression.of(10, 5000, 1e-6, 1, null).fit(train, ModelInfo.untrained("head", "clusters", 1.0));
        assertTrue(fit.converged(), "gradient " + fit.gradient());
        Dense layer = (Dense) fit.network().layers().get(0);
        double worst = 0;
        for (double v : naiveGradient(layer, train, 10)) {
            worst = Math.max(worst, Math.abs(v));
        }
        assertTrue(worst < 1e-5, "the naive gradient at the fit is " + worst);
        assertTrue(train.accuracy(fit.network()) > 0.8, "accuracy " + train.accuracy(fit.network()));
        // a stronger penalty gives smaller weights
        Dense strong = (Dense) SoftmaxRegression.of(0.01, 5000, 1e-6, 1, null).fit(train, ModelInfo.untrained("h", "c", 1.0))
                .network().layers().get(0);
        assertTrue(norm(strong) < norm(layer) / 2, norm(strong) + " vs " + norm(layer));
    }

    private static double norm(Dense d) {
        double s = 0;
        for (double[] row : d.weights()) {
            for (double v : row) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void theFitDoesNotDependOnTheThreadCount() {
        LabeledFeatures train = clusters(500, 20, 7, 2.0, 8);
        ModelInfo info = ModelInfo.untrained("head", "clusters", 1.0);
        Dense one = (Dense) SoftmaxRegression.of(100, 300, 1e-5, 1, null).fit(train, info).network().layers().get(0);
        Dense two = (Dense) SoftmaxRegression.of(100, 300, 1e-5, 2, null).fit(train, info).network().layers().get(0);
        for (int o = 0; o < 7; o++) {
            assertArrayEquals(one.weights()[o], two.weights()[o]);
            assertEquals(one.bias(o), two.bias(o));
        }
    }

    @Test
    void parametersAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SoftmaxRegression.of(0, 10, 1e-4, 1, null));
        assertTrue(e.getMessage().contains("C is 0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SoftmaxRegression.of(1, 0, 1e-4, 1, null));
        assertThrows(IllegalArgumentException.class, () -> SoftmaxRegression.of(1, 10, 0, 1, null));
        e = assertThrows(IllegalArgumentException.class, () -> LabeledFeatures.of("f", new double[][] {{1, Double.NaN}}, new int[] {0}, 2));
        assertTrue(e.getMessage().contains("row 0 value 1 is NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LabeledFeatures.of("f", new double[][] {{1}, {2}}, new int[] {0, 2}, 2));
        assertTrue(e.getMessage().contains("label 1 is 2, expected 0..1"), e.getMessage());
    }

    @Test
    void featureSetsRoundTripAndRefuseDamageAndAnotherExtractor(@TempDir Path dir) throws IOException {
        LabeledFeatures f = clusters(40, 9, 4, 1.0, 9);
        Path file = dir.resolve("sub/x.features");
        f.save(file, 0x1234L);
        LabeledFeatures back = LabeledFeatures.load(file, 0x1234L);
        assertEquals(f.count(), back.count());
        assertEquals(f.classes(), back.classes());
        for (int i = 0; i < f.count(); i++) {
            assertArrayEquals(f.features(i), back.features(i));
            assertEquals(f.label(i), back.label(i));
        }
        IOException e = assertThrows(IOException.class, () -> LabeledFeatures.load(file, 0x99L));
        assertTrue(e.getMessage().contains("features computed by 1234, not by 99"), e.getMessage());
        byte[] b = Files.readAllBytes(file);
        for (int at : new int[] {30, b.length / 2, b.length - 1}) {
            byte[] m = b.clone();
            m[at] ^= 4;
            assertThrows(IOException.class, () -> LabeledFeatures.read(new ByteArrayInputStream(m), "m", 0x1234L), "byte " + at);
        }
        assertThrows(IOException.class, () -> LabeledFeatures.read(new ByteArrayInputStream(java.util.Arrays.copyOf(b, 50)), "t",
                0x1234L));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.subset(10, 20).write(out, 5);
        assertEquals(10, LabeledFeatures.read(new ByteArrayInputStream(out.toByteArray()), "s", 5).count());
    }
}
