package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer's backward pass against central finite differences of {@code L = sum(gy * y)}, for
 * the input and for every parameter.
 */
class LayerGradientTest {

    private static final double H = 1e-5;

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("conv lola 5x5/2 pad b1 r1", conv(Conv2d.Geometry.square(1, 5, 5, 2, 0, 1, 0, 1)), Shape.of(1, 12, 12)),
                Arguments.of("conv 2->3 3x2 stride 2x1 pad 1,0,1,1", conv(new Conv2d.Geometry(2, 3, 3, 2, 2, 1, 1, 0, 1, 1)),
                        Shape.of(2, 7, 6)),
                Arguments.of("conv 3->2 3x3 stride 1 pad 2 all", conv(Conv2d.Geometry.square(3, 2, 3, 1, 2, 2, 2, 2)),
                        Shape.of(3, 4, 5)),
                Arguments.of("dense 13->7", dense(13, 7), Shape.of(13)),
                Arguments.of("square", Square.INSTANCE, Shape.of(2, 3, 4)),
                Arguments.of("poly", PolyActivation.of(0.3, -1.2, 0.7), Shape.of(17)),
                Arguments.of("avgpool 2x3 stride 2x1", AvgPool.of(2, 3, 2, 1), Shape.of(2, 6, 7)),
                Arguments.of("avgpool 2x2 stride 2", AvgPool.of(2, 2, 2, 2), Shape.of(3, 5, 5)),
                Arguments.of("flatten", Flatten.INSTANCE, Shape.of(2, 3, 4)),
                Arguments.of("affine of a conv 2->3", Affine.of(conv(new Conv2d.Geometry(2, 3, 3, 2, 2, 1, 1, 0, 1, 1)),
                        Shape.of(2, 7, 6)), Shape.of(2, 7, 6)));
    }

    private static Conv2d conv(Conv2d.Geometry g) {
        return (Conv2d) Conv2d.zeros(g).withParameters(random(g.weightCount() + g.outChannels(), 11));
    }

    private static Dense dense(int in, int out) {
        return (Dense) Dense.zeros(in, out).withParameters(random(in * out + out, 12));
    }

    static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble(-1, 1);
        }
        return v;
    }

    private static double objective(Layer l, Shape in, double[] p, double[] x, double[] gy) {
        double[] y = new double[l.outputShape(in).size()];
        l.forward(in, p, x, y);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += gy[i] * y[i];
        }
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void backwardMatchesFiniteDifferences(String name, Layer layer, Shape in) {
        Shape out = layer.outputShape(in);
        double[] x = random(in.size(), 1);
        double[] gy = random(out.size(), 2);
        double[] p = layer.parameters().clone();
        double[] gx = new double[in.size()];
        double[] gp = new double[p.length];
        java.util.Arrays.fill(gp, 0.25); // backward must accumulate into gp, not overwrite
        layer.backward(in, p, x, gy, gx, gp);
        for (int k = 0; k < gp.length; k++) {
            gp[k] -= 0.25;
        }
        for (int i = 0; i < x.length; i++) {
            double[] xp = x.clone();
            double[] xm = x.clone();
            xp[i] += H;
            xm[i] -= H;
            double num = (objective(layer, in, p, xp, gy) - objective(layer, in, p, xm, gy)) / (2 * H);
            assertEquals(num, gx[i], 1e-7 * Math.max(1, Math.abs(num)), name + ": dL/dx[" + i + "]");
        }
        for (int k = 0; k < p.length; k++) {
            double[] pp = p.clone();
            double[] pm = p.clone();
            pp[k] += H;
            pm[k] -= H;
            double num = (objective(layer, in, pp, x, gy) - objective(layer, in, pm, x, gy)) / (2 * H);
            assertEquals(num, gp[k], 1e-7 * Math.max(1, Math.abs(num)), name + ": dL/dp[" + k + "]");
        }
        // Without a gx buffer the parameter gradient is the same.
        double[] gp2 = new double[p.length];
        layer.backward(in, p, x, gy, null, gp2);
        for (int k = 0; k < p.length; k++) {
            assertEquals(gp[k], gp2[k], 1e-12, name + ": gp without gx");
        }
    }

    @Test
    void softmaxCrossEntropyGradientMatchesFiniteDifferences() {
        double[] logits = {0.3, -1.2, 2.5, 0.0, 7.1, -3.3};
        for (int label = 0; label < logits.length; label++) {
            double[] g = new double[logits.length];
            double loss = Loss.softmaxCrossEntropy(logits, label, g);
            assertTrue(loss > 0);
            double sum = 0;
            for (int i = 0; i < logits.length; i++) {
                double[] lp = logits.clone();
                double[] lm = logits.clone();
                lp[i] += H;
                lm[i] -= H;
                double num = (Loss.softmaxCrossEntropy(lp, label, null) - Loss.softmaxCrossEntropy(lm, label, null)) / (2 * H);
                assertEquals(num, g[i], 1e-8, "dloss/dlogit[" + i + "], label " + label);
                sum += g[i];
            }
            assertEquals(0, sum, 1e-12, "softmax minus one-hot sums to zero");
        }
        // Numerically stable for huge logits (square networks produce them).
        double big = Loss.softmaxCrossEntropy(new double[] {1e4, 0, -1e4}, 1, null);
        assertEquals(1e4, big, 1e-9);
    }

    @Test
    void wholeNetworkGradientMatchesFiniteDifferences() {
        // The chain through conv, square, flatten, dense, square, dense and the loss, as the trainer runs it.
        Network net = Network.of(Shape.of(1, 9, 9), List.of(conv(Conv2d.Geometry.square(1, 2, 3, 2, 0, 1, 0, 1)),
                Square.INSTANCE, Flatten.INSTANCE, dense(32, 6), Square.INSTANCE, dense(6, 4)), ModelInfo.untrained("t", "t", 1));
        Trainer.Model model = new Trainer.Model(net);
        double[] x = random(81, 5);
        int label = 2;
        double[][] grad = model.newGradient();
        double loss = lossAndGradient(model, x, label, grad);
        assertTrue(loss > 0);
        for (int l = 0; l < model.params.length; l++) {
            for (int k = 0; k < model.params[l].length; k++) {
                double old = model.params[l][k];
                model.params[l][k] = old + H;
                double lp = lossAndGradient(model, x, label, null);
                model.params[l][k] = old - H;
                double lm = lossAndGradient(model, x, label, null);
                model.params[l][k] = old;
                double num = (lp - lm) / (2 * H);
                assertEquals(num, grad[l][k], 1e-6 * Math.max(1, Math.abs(num)), "layer " + l + " param " + k);
            }
        }
    }

    /** Forward, loss and (when grad is non-null) backward through every layer. */
    private static double lossAndGradient(Trainer.Model m, double[] x, int label, double[][] grad) {
        int n = m.layers.size();
        double[][] acts = new double[n + 1][];
        acts[0] = x;
        for (int l = 0; l < n; l++) {
            acts[l + 1] = new double[m.shapes[l + 1].size()];
            m.layers.get(l).forward(m.shapes[l], m.params[l], acts[l], acts[l + 1]);
        }
        double[] g = new double[acts[n].length];
        double loss = Loss.softmaxCrossEntropy(acts[n], label, g);
        if (grad != null) {
            for (int l = n - 1; l >= 0; l--) {
                double[] gx = new double[m.shapes[l].size()];
                m.layers.get(l).backward(m.shapes[l], m.params[l], acts[l], g, gx, grad[l]);
                g = gx;
            }
        }
        return loss;
    }
}
