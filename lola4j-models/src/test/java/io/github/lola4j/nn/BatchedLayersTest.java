package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.lola4j.data.Mnist;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The trainer runs the samples of a chunk side by side (sample-minor layout). Every layer's batched
 * pass must give, bit for bit, what its one-sample pass gives, and a batch's gradient what one
 * sample after the other gave before: the shipped models' training commands stay reproducible.
 */
class BatchedLayersTest {

    private static final SplittableRandom RND = new SplittableRandom(20261202);

    private static double[] random(int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (RND.nextDouble() * 2 - 1) * scale;
        }
        return v;
    }

    private static void check(Layer layer, Shape in) {
        Shape out = layer.outputShape(in);
        double[] p = random(layer.parameterCount(), 0.5);
        for (int n : new int[] {1, 3, 8}) {
            double[] x = random(in.size() * n, 1);
            double[] gy = random(out.size() * n, 1);
            double[] y = new double[out.size() * n];
            double[] gx = new double[in.size() * n];
            double[] gp0 = random(p.length, 0.1);
            double[] gp = gp0.clone();
            layer.forwardBatch(in, p, x, y, n);
            layer.backwardBatch(in, p, x, gy, gx, gp, n);
            double[] gpRef = gp0.clone();
            double[] xs = new double[in.size()];
            double[] ys = new double[out.size()];
            double[] gys = new double[out.size()];
            double[] gxs = new double[in.size()];
            double[] ysBatch = new double[out.size()];
            double[] gxsBatch = new double[in.size()];
            for (int s = 0; s < n; s++) {
                Layer.gather(x, in.size(), n, s, xs);
                Layer.gather(gy, out.size(), n, s, gys);
                layer.forward(in, p, xs, ys);
                layer.backward(in, p, xs, gys, gxs, gpRef);
                Layer.gather(y, out.size(), n, s, ysBatch);
                Layer.gather(gx, in.size(), n, s, gxsBatch);
                assertArrayEquals(ys, ysBatch, layer + " forward, sample " + s + " of " + n);
                assertArrayEquals(gxs, gxsBatch, layer + " input gradient, sample " + s + " of " + n);
            }
            assertArrayEquals(gpRef, gp, layer + " parameter gradient of " + n + " samples");
            double[] gpNoGx = gp0.clone();
            layer.backwardBatch(in, p, x, gy, null, gpNoGx, n);
            assertArrayEquals(gpRef, gpNoGx, layer + " parameter gradient without the input gradient");
        }
    }

    @Test
    void everyLayerMatchesItsOneSamplePass() {
        check(Conv2d.zeros(Conv2d.Geometry.square(1, 5, 5, 2, 1, 0, 1, 0)), Shape.of(1, 28, 28));
        check(Conv2d.zeros(Conv2d.Geometry.square(1, 7, 8, 2, 1, 1, 1, 1)), Shape.of(1, 28, 28));
        check(Conv2d.zeros(Conv2d.Geometry.square(3, 4, 6, 2, 0, 0, 0, 0)), Shape.of(3, 12, 12));
        check(Conv2d.zeros(Conv2d.Geometry.square(2, 3, 3, 1, 2, 1, 0, 2)), Shape.of(2, 9, 7));
        check(Dense.zeros(37, 11), Shape.of(37));
        check(Dense.zeros(8, 3), Shape.of(8));
        check(Square.INSTANCE, Shape.of(2, 5, 5));
        check(Flatten.INSTANCE, Shape.of(2, 5, 5));
        check(AvgPool.of(2, 2, 2, 2), Shape.of(3, 8, 8));
        check(PolyActivation.of(0.1, 0.5, 0.25), Shape.of(40));
    }

    /** The pre-batching trainer step, one sample after the other, kept here as the reference. */
    private static double referenceBatch(Trainer.Model model, LabeledImages data, int[] order, double penalty, double[][] g) {
        double loss = 0;
        double[][] acts = new double[model.shapes.length][];
        int max = 0;
        for (int i = 0; i < acts.length; i++) {
            acts[i] = new double[model.shapes[i].size()];
            max = Math.max(max, model.shapes[i].size());
        }
        for (int idx : order) {
            model.template.info().normalization().apply(data, idx, acts[0]);
            int last = model.layers.size();
            for (int l = 0; l < last; l++) {
                model.layers.get(l).forward(model.shapes[l], model.params[l], acts[l], acts[l + 1]);
            }
            double[] gy = new double[max];
            double[] gx = new double[max];
            double sl = Loss.softmaxCrossEntropy(acts[last], data.label(idx), gy);
            for (int l = last - 1; l >= 0; l--) {
                Layer layer = model.layers.get(l);
                boolean needGx = l > 0;
                layer.backward(model.shapes[l], model.params[l], acts[l], gy, needGx ? gx : null, g[l]);
                if (needGx && penalty > 0 && layer instanceof Square) {
                    double[] x = acts[l];
                    int n = model.shapes[l].size();
                    double f = 2 * penalty / n;
                    double pen = 0;
                    for (int k = 0; k < n; k++) {
                        pen += x[k] * x[k];
                        gx[k] += f * x[k];
                    }
                    sl += penalty * pen / n;
                }
                double[] t = gy;
                gy = gx;
                gx = t;
            }
            loss += sl;
        }
        return loss;
    }

    @Test
    void aBatchGradientIsBitIdenticalToOneSampleAfterTheOther() {
        LabeledImages data = Mnist.embeddedSample();
        List<Layer> layers = List.of(Conv2d.zeros(Conv2d.Geometry.square(1, 6, 8, 2, 1, 1, 1, 1)), Square.INSTANCE,
                Conv2d.zeros(Conv2d.Geometry.square(6, 5, 6, 2, 0, 0, 0, 0)), Square.INSTANCE, Flatten.INSTANCE,
                Dense.zeros(80, 10));
        Network net = Network.of(Shape.of(1, 28, 28), layers, ModelInfo.untrained("t", "mnist", ModelInfo.PIXEL_SCALE_256));
        Trainer.Model model = new Trainer.Model(net);
        for (double[] p : model.params) {
            double[] r = random(p.length, 0.3);
            System.arraycopy(r, 0, p, 0, p.length);
        }
        int[] order = new int[37]; // four full chunks and a partial one
        for (int i = 0; i < order.length; i++) {
            order[i] = (i * 29) % data.count();
        }
        for (int threads : new int[] {1, 2}) {
            try (BatchRunner runner = new BatchRunner(model, threads, order.length, 0, 1, 0.01)) {
                BatchRunner.BatchResult r = runner.runBatch(data, order, 0, order.length, 0);
                double[][] ref = model.newGradient();
                // the runner sums chunk gradients in chunk order: do the same with the reference
                double refLoss = 0;
                double[][] total = null;
                for (int c0 = 0; c0 < order.length; c0 += BatchRunner.CHUNK) {
                    double[][] g = model.newGradient();
                    refLoss += referenceBatch(model, data, Arrays.copyOfRange(order, c0, Math.min(order.length,
                            c0 + BatchRunner.CHUNK)), 0.01, g);
                    if (total == null) {
                        total = g;
                    } else {
                        for (int l = 0; l < g.length; l++) {
                            for (int k = 0; k < g[l].length; k++) {
                                total[l][k] += g[l][k];
                            }
                        }
                    }
                }
                ref = total;
                for (int l = 0; l < ref.length; l++) {
                    assertArrayEquals(ref[l], r.gradient[l], "layer " + l + " gradient, " + threads + " threads");
                }
                assertEquals(refLoss, r.loss, Math.abs(refLoss) * 1e-12, "the summed loss");
            }
        }
    }

    /** Fast mode reorders sums: equal to the exact passes up to rounding, and the same every time. */
    @Test
    void fastPassesAgreeWithTheExactOnesUpToRounding() {
        List<Object[]> cases = List.of(new Object[] {Conv2d.zeros(Conv2d.Geometry.square(1, 7, 8, 2, 1, 1, 1, 1)), Shape.of(1, 28, 28)},
                new Object[] {Conv2d.zeros(Conv2d.Geometry.square(3, 6, 6, 2, 0, 0, 0, 0)), Shape.of(3, 12, 12)},
                new Object[] {Conv2d.zeros(Conv2d.Geometry.square(2, 5, 3, 1, 2, 1, 0, 2)), Shape.of(2, 9, 7)});
        for (Object[] c : cases) {
            Layer layer = (Layer) c[0];
            Shape in = (Shape) c[1];
            Shape out = layer.outputShape(in);
            double[] p = random(layer.parameterCount(), 0.5);
            int n = 5;
            double[] x = random(in.size() * n, 1);
            double[] gy = random(out.size() * n, 1);
            double[] y = new double[out.size() * n];
            double[] yf = new double[out.size() * n];
            double[] gx = new double[in.size() * n];
            double[] gxf = new double[in.size() * n];
            double[] gp = new double[p.length];
            double[] gpf = new double[p.length];
            layer.forwardBatch(in, p, x, y, n);
            layer.forwardFast(in, p, x, yf, n);
            layer.backwardBatch(in, p, x, gy, gx, gp, n);
            layer.backwardFast(in, p, x, gy, gxf, gpf, n);
            close(y, yf, layer + " forward");
            close(gx, gxf, layer + " input gradient");
            close(gp, gpf, layer + " parameter gradient");
            double[] again = new double[p.length];
            layer.backwardFast(in, p, x, gy, null, again, n);
            assertArrayEquals(gpf, again, layer + ": the fast pass is deterministic");
        }
    }

    private static void close(double[] a, double[] b, String what) {
        double scale = 0;
        for (double v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], scale * 1e-12 + 1e-300, what + " [" + i + "]");
        }
    }
}
