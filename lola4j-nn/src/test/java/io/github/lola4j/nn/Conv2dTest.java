package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class Conv2dTest {

    /** The textbook definition: six nested loops with an explicit bounds test, nothing precomputed. */
    private static double[] naive(Conv2d conv, Shape in, double[] x) {
        Conv2d.Geometry g = conv.geometry();
        int h = in.dim(1);
        int w = in.dim(2);
        int ho = (h + g.padTop() + g.padBottom() - g.kernelRows()) / g.strideRows() + 1;
        int wo = (w + g.padLeft() + g.padRight() - g.kernelCols()) / g.strideCols() + 1;
        double[] y = new double[g.outChannels() * ho * wo];
        for (int o = 0; o < g.outChannels(); o++) {
            for (int r = 0; r < ho; r++) {
                for (int c = 0; c < wo; c++) {
                    double s = conv.bias(o);
                    for (int i = 0; i < g.inChannels(); i++) {
                        for (int kr = 0; kr < g.kernelRows(); kr++) {
                            for (int kc = 0; kc < g.kernelCols(); kc++) {
                                int ir = r * g.strideRows() + kr - g.padTop();
                                int ic = c * g.strideCols() + kc - g.padLeft();
                                if (ir >= 0 && ir < h && ic >= 0 && ic < w) {
                                    s += conv.weight(o, i, kr, kc) * x[(i * h + ir) * w + ic];
                                }
                            }
                        }
                    }
                    y[(o * ho + r) * wo + c] = s;
                }
            }
        }
        return y;
    }

    private static Conv2d random(Conv2d.Geometry g, long seed) {
        return (Conv2d) Conv2d.zeros(g).withParameters(LayerGradientTest.random(g.weightCount() + g.outChannels(), seed));
    }

    @Test
    void matchesTheNaiveLoopOnManyGeometries() {
        Object[][] cases = {
            {Conv2d.Geometry.square(1, 5, 5, 2, 0, 1, 0, 1), Shape.of(1, 28, 28)},
            {Conv2d.Geometry.square(1, 83, 8, 2, 1, 1, 1, 1), Shape.of(1, 28, 28)},
            {Conv2d.Geometry.square(4, 3, 6, 2, 0, 0, 0, 0), Shape.of(4, 12, 12)},
            {new Conv2d.Geometry(2, 3, 3, 4, 3, 2, 2, 1, 0, 3), Shape.of(2, 11, 9)},
            {new Conv2d.Geometry(3, 2, 1, 1, 1, 1, 0, 0, 0, 0), Shape.of(3, 5, 4)},
            {Conv2d.Geometry.square(1, 1, 3, 5, 2, 2, 2, 2), Shape.of(1, 3, 3)},
        };
        long seed = 1;
        for (Object[] c : cases) {
            Conv2d conv = random((Conv2d.Geometry) c[0], seed++);
            Shape in = (Shape) c[1];
            double[] x = LayerGradientTest.random(in.size(), seed++);
            double[] expected = naive(conv, in, x);
            Tensor y = conv.apply(Tensor.of(in, x));
            assertEquals(expected.length, y.size(), conv.toString());
            for (int k = 0; k < expected.length; k++) {
                assertEquals(expected[k], y.get(k), 1e-12, conv + " output " + k);
            }
        }
    }

    @Test
    void lolaGeometryGivesThirteenByThirteenWithWindowsAtEvenOffsets() {
        Conv2d.Geometry g = Conv2d.Geometry.square(1, 5, 5, 2, 0, 1, 0, 1);
        assertEquals(Shape.of(5, 13, 13), Conv2d.zeros(g).outputShape(Shape.of(1, 28, 28)));
        // One weight at (kr, kc) = (0, 0): output (r, c) reads exactly pixel (2r, 2c), so windows start at 0, 2, .., 24.
        double[] w = new double[25 * 5];
        w[0] = 1;
        Conv2d probe = Conv2d.of(g, w, new double[5]);
        double[] x = new double[784];
        for (int i = 0; i < 784; i++) {
            x[i] = i;
        }
        Tensor y = probe.apply(Tensor.of(Shape.of(1, 28, 28), x));
        for (int r = 0; r < 13; r++) {
            for (int c = 0; c < 13; c++) {
                assertEquals(28 * (2 * r) + 2 * c, y.get(0, r, c));
            }
        }
        // The weight at (4, 4) of the last window reads row/column 28: the zero padding.
        double[] w44 = new double[25 * 5];
        w44[24] = 1;
        Tensor z = Conv2d.of(g, w44, new double[5]).apply(Tensor.of(Shape.of(1, 28, 28), x));
        assertEquals(0, z.get(0, 12, 12));
        assertEquals(28 * 26 + 26, z.get(0, 11, 11));
    }

    @Test
    void weightsAreIndexedOutInRowColumn() {
        Conv2d.Geometry g = new Conv2d.Geometry(2, 3, 2, 3, 1, 1, 0, 0, 0, 0);
        double[] flat = new double[g.weightCount()];
        for (int k = 0; k < flat.length; k++) {
            flat[k] = k;
        }
        Conv2d c = Conv2d.of(g, flat, new double[] {-1, -2, -3});
        assertEquals(((2 * 2 + 1) * 2 + 1) * 3 + 2, c.weight(2, 1, 1, 2));
        double[][][][] w = c.weights();
        assertEquals(c.weight(1, 0, 1, 2), w[1][0][1][2]);
        assertArrayEquals(flat, Conv2d.of(g, w, c.biases()).flatWeights());
        assertEquals(-2, c.bias(1));
        w[0][0][0][0] = 99; // a copy: the layer is unchanged
        assertEquals(0, c.weight(0, 0, 0, 0));
    }

    @Test
    void invalidGeometryAndWeightsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conv2d.Geometry.square(1, 5, 5, 0, 0, 1, 0, 1));
        assertTrue(e.getMessage().contains("strideRows = 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2d.Geometry.square(1, 5, 5, 2, 0, 5, 0, 1));
        assertTrue(e.getMessage().contains("padBottom = 5"), e.getMessage());
        Conv2d.Geometry g = Conv2d.Geometry.square(1, 2, 2, 1, 0, 0, 0, 0);
        double[] w = new double[8];
        w[6] = Double.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> Conv2d.of(g, w, new double[2]));
        assertTrue(e.getMessage().contains("weight[1][0][1][0] is NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2d.of(g, new double[7], new double[2]));
        assertTrue(e.getMessage().contains("needs 8 weights, got 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2d.zeros(g).outputShape(Shape.of(3, 5, 5)));
        assertTrue(e.getMessage().contains("1 x H x W, got 3x5x5"), e.getMessage());
    }

    @Test
    void flattenIsChannelMajor() {
        Network net = Network.of(Shape.of(2, 3, 4), List.of(Flatten.INSTANCE), ModelInfo.untrained("f", "t", 1));
        double[] x = LayerGradientTest.random(24, 3);
        Tensor t = Tensor.of(Shape.of(2, 3, 4), x);
        double[] y = net.forward(x);
        for (int m = 0; m < 2; m++) {
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 4; c++) {
                    assertEquals(t.get(m, r, c), y[m * 12 + r * 4 + c]);
                }
            }
        }
        assertEquals(Shape.of(24), net.outputShape());
    }
}
