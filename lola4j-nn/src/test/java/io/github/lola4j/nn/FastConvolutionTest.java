package io.github.lola4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast mode's convolution kernels (im2col, {@link Gemm}, col2im) against the convolution's
 * definition, summed naively, on sizes that leave a remainder in every tile and row group.
 */
class FastConvolutionTest {

    private static final SplittableRandom RND = new SplittableRandom(20261203);

    private static double[] random(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = RND.nextDouble() * 2 - 1;
        }
        return v;
    }

    /** The tiled product adds every sum's terms in the plain triple loop's order, bit for bit. */
    @Test
    void tiledProductEqualsTheTripleLoop() {
        // m: row groups of four plus 1..3; k: two tiles plus an odd remainder; n: past one column tile
        int[][] sizes = {{1, 1, 1}, {3, 5, 2}, {5, 7, 3}, {7, Gemm.J_TILE + 13, Gemm.K_TILE + 3},
            {10, 33, 2 * Gemm.K_TILE + 1}, {6, 2 * Gemm.J_TILE + 1, Gemm.K_TILE}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (boolean transposed : new boolean[] {false, true}) {
                double[] a = random(m * k + 3);
                int aRow = transposed ? 1 : k, aCol = transposed ? m : 1;
                double[][] b = new double[k][];
                for (int l = 0; l < k; l++) {
                    b[l] = random(n);
                }
                double[][] c = new double[m][];
                double[][] ref = new double[m][];
                for (int i = 0; i < m; i++) {
                    c[i] = random(n);
                    ref[i] = c[i].clone();
                    for (int j = 0; j < n; j++) {
                        for (int l = 0; l < k; l++) {
                            ref[i][j] += a[3 + i * aRow + l * aCol] * b[l][j];
                        }
                    }
                }
                Gemm.multiplyAdd(c, m, n, a, 3, aRow, aCol, b, k);
                for (int i = 0; i < m; i++) {
                    assertArrayEquals(ref[i], c[i], m + "x" + n + "x" + k + (transposed ? " transposed" : "") + ", row " + i);
                }
            }
        }
    }

    @Test
    void fastPassesMatchTheDefinition() {
        check(new Conv2d.Geometry(3, 5, 3, 3, 1, 1, 1, 1, 1, 1), Shape.of(3, 7, 6));
        check(new Conv2d.Geometry(3, 7, 5, 5, 2, 2, 0, 1, 2, 0), Shape.of(3, 11, 12));
        check(new Conv2d.Geometry(3, 7, 3, 3, 2, 2, 0, 0, 0, 0), Shape.of(3, 9, 9));
        check(new Conv2d.Geometry(3, 5, 5, 5, 1, 1, 2, 0, 0, 3), Shape.of(3, 8, 7));
        check(new Conv2d.Geometry(2, 5, 3, 5, 2, 1, 1, 2, 0, 1), Shape.of(2, 9, 8));
        // taps past one k tile with an odd remainder; columns past one column tile at n = 8
        check(new Conv2d.Geometry(11, 6, 5, 5, 2, 2, 1, 1, 1, 1), Shape.of(11, 19, 19));
    }

    private static void check(Conv2d.Geometry g, Shape in) {
        Conv2d conv = Conv2d.zeros(g);
        Shape out = conv.outputShape(in);
        double[] p = random(conv.parameterCount());
        for (int n : new int[] {1, 8}) {
            String what = conv + " on " + in + ", n = " + n;
            double[] x = random(in.size() * n);
            double[] gy = random(out.size() * n);
            double[] gp0 = random(p.length);
            double[] y = new double[out.size() * n];
            double[] gx = random(in.size() * n); // overwritten, not added to
            double[] gp = gp0.clone();
            conv.forwardFast(in, p, x, y, n);
            conv.backwardFast(in, p, x, gy, gx, gp, n);
            double[] gpOnly = gp0.clone();
            conv.backwardFast(in, p, x, gy, null, gpOnly, n);
            assertArrayEquals(gp, gpOnly, what + ": the parameter gradient without the input gradient");

            double[] yRef = new double[y.length];
            double[] gxRef = new double[gx.length];
            double[] gpRef = gp0.clone();
            reference(g, in, out, p, x, gy, yRef, gxRef, gpRef, n);
            close(yRef, y, what + " forward");
            close(gxRef, gx, what + " input gradient");
            close(gpRef, gp, what + " parameter gradient");
        }
    }

    /** The definition, sample by sample, sample-minor arrays. */
    private static void reference(Conv2d.Geometry g, Shape in, Shape out, double[] p, double[] x, double[] gy,
            double[] y, double[] gx, double[] gp, int n) {
        int cin = g.inChannels(), kh = g.kernelRows(), kw = g.kernelCols();
        int h = in.dim(1), w = in.dim(2), ho = out.dim(1), wo = out.dim(2);
        int nw = g.weightCount();
        for (int s = 0; s < n; s++) {
            for (int o = 0; o < g.outChannels(); o++) {
                for (int r = 0; r < ho; r++) {
                    for (int c = 0; c < wo; c++) {
                        int yi = ((o * ho + r) * wo + c) * n + s;
                        double sum = p[nw + o];
                        gp[nw + o] += gy[yi];
                        for (int i = 0; i < cin; i++) {
                            for (int kr = 0; kr < kh; kr++) {
                                int rr = r * g.strideRows() + kr - g.padTop();
                                for (int kc = 0; kc < kw; kc++) {
                                    int cc = c * g.strideCols() + kc - g.padLeft();
                                    if (rr < 0 || rr >= h || cc < 0 || cc >= w) {
                                        continue;
                                    }
                                    int wi = ((o * cin + i) * kh + kr) * kw + kc;
                                    int xi = ((i * h + rr) * w + cc) * n + s;
                                    sum += p[wi] * x[xi];
                                    gp[wi] += gy[yi] * x[xi];
                                    gx[xi] += gy[yi] * p[wi];
                                }
                            }
                        }
                        y[yi] = sum;
                    }
                }
            }
        }
    }

    private static void close(double[] expected, double[] actual, String what) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], scale * 1e-12, what + " [" + i + "]");
        }
    }
}
