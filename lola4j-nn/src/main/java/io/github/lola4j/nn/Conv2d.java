package io.github.lola4j.nn;

import java.util.Arrays;

/**
 * A 2-D convolution (cross-correlation, as in every deep-learning library) with per-side zero
 * padding.
 *
 * <p>For an input {@code C x H x W} the output is {@code M x H' x W'} with
 * {@code H' = (H + padTop + padBottom - kernelRows) / strideRows + 1} (rounded down; likewise
 * {@code W'}), and
 * <pre>
 *   y[o][r][c] = bias[o] + sum over i, kr, kc of  w[o][i][kr][kc] * x[i][r*strideRows + kr - padTop][c*strideCols + kc - padLeft]
 * </pre>
 * with {@code x} taken as zero outside the image. LoLa's convolution is 5x5, stride 2, padding
 * 0 top, 1 bottom, 0 left, 1 right: on 28x28 its windows start at rows and columns 0, 2, ..., 24,
 * giving 13x13 per map.
 *
 * <p>Flat weight index: {@code ((o*C + i)*kernelRows + kr)*kernelCols + kc}.
 */
public final class Conv2d extends Layer {

    /**
     * The geometry of a convolution, validated on construction.
     *
     * @param inChannels  input channels C, positive
     * @param outChannels output channels (maps) M, positive
     * @param kernelRows  kernel height, positive
     * @param kernelCols  kernel width, positive
     * @param strideRows  vertical stride, positive
     * @param strideCols  horizontal stride, positive
     * @param padTop      zero rows above the image, non-negative and below the kernel height
     * @param padBottom   zero rows below the image, likewise
     * @param padLeft     zero columns left of the image, non-negative and below the kernel width
     * @param padRight    zero columns right of the image, likewise
     */
    public record Geometry(int inChannels, int outChannels, int kernelRows, int kernelCols, int strideRows,
            int strideCols, int padTop, int padBottom, int padLeft, int padRight) {

        /**
         * Validates the geometry.
         *
         * @throws IllegalArgumentException naming the first bad field and its value
         */
        public Geometry {
            positive("inChannels", inChannels);
            positive("outChannels", outChannels);
            positive("kernelRows", kernelRows);
            positive("kernelCols", kernelCols);
            positive("strideRows", strideRows);
            positive("strideCols", strideCols);
            padding("padTop", padTop, kernelRows);
            padding("padBottom", padBottom, kernelRows);
            padding("padLeft", padLeft, kernelCols);
            padding("padRight", padRight, kernelCols);
            if ((long) inChannels * outChannels * kernelRows * kernelCols > 1L << 28) {
                throw new IllegalArgumentException("Conv2d: " + outChannels + "x" + inChannels + "x" + kernelRows + "x"
                        + kernelCols + " weights are too many");
            }
        }

        /**
         * A square kernel with the same stride both ways.
         *
         * @param in        input channels
         * @param out       output channels
         * @param kernel    kernel size
         * @param stride    stride
         * @param padTop    zero rows above
         * @param padBottom zero rows below
         * @param padLeft   zero columns left
         * @param padRight  zero columns right
         * @return the geometry
         * @throws IllegalArgumentException when a value is out of range
         */
        public static Geometry square(int in, int out, int kernel, int stride, int padTop, int padBottom, int padLeft,
                int padRight) {
            return new Geometry(in, out, kernel, kernel, stride, stride, padTop, padBottom, padLeft, padRight);
        }

        /** The number of weights, {@code M*C*kernelRows*kernelCols}. */
        public int weightCount() {
            return outChannels * inChannels * kernelRows * kernelCols;
        }

        private static void positive(String name, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException("Conv2d: " + name + " = " + v + ", expected > 0");
            }
        }

        private static void padding(String name, int v, int kernel) {
            if (v < 0 || v >= kernel) {
                throw new IllegalArgumentException("Conv2d: " + name + " = " + v + ", expected 0.." + (kernel - 1));
            }
        }
    }

    private final Geometry g;
    /** Weights then biases. */
    private final double[] params;

    private Conv2d(Geometry g, double[] params) {
        this.g = g;
        this.params = params;
    }

    /**
     * Creates a convolution from flat weights.
     *
     * @param geometry the geometry
     * @param weights  {@code geometry.weightCount()} weights, flat index
     *                 {@code ((o*C + i)*kernelRows + kr)*kernelCols + kc} (copied)
     * @param bias     {@code outChannels} biases (copied)
     * @return the layer
     * @throws IllegalArgumentException when a length is wrong or a value is not finite (naming its index)
     */
    public static Conv2d of(Geometry geometry, double[] weights, double[] bias) {
        if (weights.length != geometry.weightCount()) {
            throw new IllegalArgumentException("Conv2d: " + geometry.outChannels() + "x" + geometry.inChannels() + "x"
                    + geometry.kernelRows() + "x" + geometry.kernelCols() + " needs " + geometry.weightCount()
                    + " weights, got " + weights.length);
        }
        if (bias.length != geometry.outChannels()) {
            throw new IllegalArgumentException("Conv2d: " + geometry.outChannels() + " output channels need as many biases, got "
                    + bias.length);
        }
        double[] p = Arrays.copyOf(weights, weights.length + bias.length);
        System.arraycopy(bias, 0, p, weights.length, bias.length);
        return checked(geometry, p);
    }

    /**
     * Creates a convolution from weights indexed {@code [out][in][kr][kc]}.
     *
     * @param geometry the geometry
     * @param weights  the weights (copied)
     * @param bias     {@code outChannels} biases (copied)
     * @return the layer
     * @throws IllegalArgumentException when an array has the wrong size or a value is not finite
     */
    public static Conv2d of(Geometry geometry, double[][][][] weights, double[] bias) {
        double[] flat = new double[geometry.weightCount()];
        int k = 0;
        if (weights.length != geometry.outChannels()) {
            throw new IllegalArgumentException("Conv2d: weights has " + weights.length + " output channels, expected "
                    + geometry.outChannels());
        }
        for (int o = 0; o < weights.length; o++) {
            if (weights[o].length != geometry.inChannels()) {
                throw new IllegalArgumentException("Conv2d: weights[" + o + "] has " + weights[o].length
                        + " input channels, expected " + geometry.inChannels());
            }
            for (int i = 0; i < weights[o].length; i++) {
                if (weights[o][i].length != geometry.kernelRows()) {
                    throw new IllegalArgumentException("Conv2d: weights[" + o + "][" + i + "] has " + weights[o][i].length
                            + " rows, expected " + geometry.kernelRows());
                }
                for (int kr = 0; kr < weights[o][i].length; kr++) {
                    if (weights[o][i][kr].length != geometry.kernelCols()) {
                        throw new IllegalArgumentException("Conv2d: weights[" + o + "][" + i + "][" + kr + "] has "
                                + weights[o][i][kr].length + " columns, expected " + geometry.kernelCols());
                    }
                    for (int kc = 0; kc < weights[o][i][kr].length; kc++) {
                        flat[k++] = weights[o][i][kr][kc];
                    }
                }
            }
        }
        return of(geometry, flat, bias);
    }

    /**
     * A convolution with all weights and biases zero (an architecture before training).
     *
     * @param geometry the geometry
     * @return the layer
     */
    public static Conv2d zeros(Geometry geometry) {
        return new Conv2d(geometry, new double[geometry.weightCount() + geometry.outChannels()]);
    }

    private static Conv2d checked(Geometry g, double[] p) {
        int nw = g.weightCount();
        for (int k = 0; k < p.length; k++) {
            if (!Double.isFinite(p[k])) {
                String where;
                if (k < nw) {
                    int kc = k % g.kernelCols();
                    int kr = (k / g.kernelCols()) % g.kernelRows();
                    int i = (k / (g.kernelCols() * g.kernelRows())) % g.inChannels();
                    int o = k / (g.kernelCols() * g.kernelRows() * g.inChannels());
                    where = "weight[" + o + "][" + i + "][" + kr + "][" + kc + "]";
                } else {
                    where = "bias[" + (k - nw) + "]";
                }
                throw new IllegalArgumentException("conv2d: " + where + " is " + p[k] + ", expected a finite number");
            }
        }
        return new Conv2d(g, p);
    }

    /** The geometry. */
    public Geometry geometry() {
        return g;
    }

    /** Input channels C. */
    public int inChannels() {
        return g.inChannels();
    }

    /** Output channels (maps) M. */
    public int outChannels() {
        return g.outChannels();
    }

    /**
     * One weight.
     *
     * @param o  output channel
     * @param i  input channel
     * @param kr kernel row
     * @param kc kernel column
     * @return {@code w[o][i][kr][kc]}
     * @throws IndexOutOfBoundsException when an index is out of range
     */
    public double weight(int o, int i, int kr, int kc) {
        if (o < 0 || o >= g.outChannels() || i < 0 || i >= g.inChannels() || kr < 0 || kr >= g.kernelRows() || kc < 0
                || kc >= g.kernelCols()) {
            throw new IndexOutOfBoundsException("weight(" + o + ", " + i + ", " + kr + ", " + kc + ") outside "
                    + g.outChannels() + "x" + g.inChannels() + "x" + g.kernelRows() + "x" + g.kernelCols());
        }
        return params[((o * g.inChannels() + i) * g.kernelRows() + kr) * g.kernelCols() + kc];
    }

    /**
     * One bias.
     *
     * @param o output channel
     * @return {@code bias[o]}
     */
    public double bias(int o) {
        if (o < 0 || o >= g.outChannels()) {
            throw new IndexOutOfBoundsException("bias(" + o + ") outside " + g.outChannels());
        }
        return params[g.weightCount() + o];
    }

    /** A copy of the weights indexed {@code [out][in][kr][kc]}. */
    public double[][][][] weights() {
        double[][][][] w = new double[g.outChannels()][g.inChannels()][g.kernelRows()][g.kernelCols()];
        int k = 0;
        for (double[][][] wo : w) {
            for (double[][] woi : wo) {
                for (double[] row : woi) {
                    for (int kc = 0; kc < row.length; kc++) {
                        row[kc] = params[k++];
                    }
                }
            }
        }
        return w;
    }

    /** A copy of the weights in flat order {@code ((o*C + i)*kernelRows + kr)*kernelCols + kc}. */
    public double[] flatWeights() {
        return Arrays.copyOf(params, g.weightCount());
    }

    /** A copy of the biases. */
    public double[] biases() {
        return Arrays.copyOfRange(params, g.weightCount(), params.length);
    }

    @Override
    public String kind() {
        return "conv2d";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 3 || in.dim(0) != g.inChannels()) {
            throw new IllegalArgumentException("conv2d: expects an input of " + g.inChannels()
                    + " x H x W, got " + in);
        }
        int h = in.dim(1) + g.padTop() + g.padBottom();
        int w = in.dim(2) + g.padLeft() + g.padRight();
        if (h < g.kernelRows() || w < g.kernelCols()) {
            throw new IllegalArgumentException("conv2d: padded input " + h + "x" + w + " is smaller than the "
                    + g.kernelRows() + "x" + g.kernelCols() + " kernel");
        }
        return Shape.of(g.outChannels(), (h - g.kernelRows()) / g.strideRows() + 1, (w - g.kernelCols()) / g.strideCols() + 1);
    }

    @Override
    public int parameterCount() {
        return params.length;
    }

    @Override
    public String toString() {
        return String.format("conv2d %dx%d stride %dx%d pad t%d b%d l%d r%d, %d->%d channels", g.kernelRows(),
                g.kernelCols(), g.strideRows(), g.strideCols(), g.padTop(), g.padBottom(), g.padLeft(), g.padRight(),
                g.inChannels(), g.outChannels());
    }

    @Override
    int weightCount() {
        return g.weightCount();
    }

    @Override
    double[] parameters() {
        return params;
    }

    @Override
    Layer withParameters(double[] flat) {
        if (flat.length != params.length) {
            throw new IllegalArgumentException("conv2d: needs " + params.length + " parameters, got " + flat.length);
        }
        return checked(g, flat.clone());
    }

    /*
     * The kernels loop tap-major (o, i, kr, kc outermost, then output rows and columns) with the
     * valid output range of each tap computed up front, so the inner loop has no bounds branches.
     * Every output still accumulates its taps in the fixed order (i, kr, kc), which the trainer's
     * determinism relies on.
     */

    @Override
    void forward(Shape in, double[] p, double[] x, double[] y) {
        final int cin = g.inChannels(), m = g.outChannels(), kh = g.kernelRows(), kw = g.kernelCols();
        final int sr = g.strideRows(), sc = g.strideCols(), pt = g.padTop(), pl = g.padLeft();
        final int h = in.dim(1), w = in.dim(2);
        final int ho = (h + pt + g.padBottom() - kh) / sr + 1, wo = (w + pl + g.padRight() - kw) / sc + 1;
        final int nw = g.weightCount();
        for (int o = 0; o < m; o++) {
            double b = p[nw + o];
            int ob = o * ho * wo;
            for (int k = 0; k < ho * wo; k++) {
                y[ob + k] = b;
            }
            for (int i = 0; i < cin; i++) {
                int xb = i * h * w;
                for (int kr = 0; kr < kh; kr++) {
                    int r0 = firstValid(kr - pt, sr), r1 = lastValid(kr - pt, sr, h, ho);
                    for (int kc = 0; kc < kw; kc++) {
                        double wt = p[((o * cin + i) * kh + kr) * kw + kc];
                        int c0 = firstValid(kc - pl, sc), c1 = lastValid(kc - pl, sc, w, wo);
                        for (int r = r0; r < r1; r++) {
                            int yr = ob + r * wo;
                            int xr = xb + (r * sr + kr - pt) * w + kc - pl;
                            for (int c = c0; c < c1; c++) {
                                y[yr + c] += wt * x[xr + c * sc];
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    void backward(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp) {
        final int cin = g.inChannels(), m = g.outChannels(), kh = g.kernelRows(), kw = g.kernelCols();
        final int sr = g.strideRows(), sc = g.strideCols(), pt = g.padTop(), pl = g.padLeft();
        final int h = in.dim(1), w = in.dim(2);
        final int ho = (h + pt + g.padBottom() - kh) / sr + 1, wo = (w + pl + g.padRight() - kw) / sc + 1;
        final int nw = g.weightCount();
        if (gx != null) {
            Arrays.fill(gx, 0, in.size(), 0.0);
        }
        for (int o = 0; o < m; o++) {
            int ob = o * ho * wo;
            if (gp != null) {
                double s = 0;
                for (int k = 0; k < ho * wo; k++) {
                    s += gy[ob + k];
                }
                gp[nw + o] += s;
            }
            for (int i = 0; i < cin; i++) {
                int xb = i * h * w;
                for (int kr = 0; kr < kh; kr++) {
                    int r0 = firstValid(kr - pt, sr), r1 = lastValid(kr - pt, sr, h, ho);
                    for (int kc = 0; kc < kw; kc++) {
                        int widx = ((o * cin + i) * kh + kr) * kw + kc;
                        double wt = p[widx];
                        int c0 = firstValid(kc - pl, sc), c1 = lastValid(kc - pl, sc, w, wo);
                        double gw = 0;
                        for (int r = r0; r < r1; r++) {
                            int yr = ob + r * wo;
                            int xr = xb + (r * sr + kr - pt) * w + kc - pl;
                            for (int c = c0; c < c1; c++) {
                                double gyv = gy[yr + c];
                                gw += gyv * x[xr + c * sc];
                                if (gx != null) {
                                    gx[xr + c * sc] += wt * gyv;
                                }
                            }
                        }
                        if (gp != null) {
                            gp[widx] += gw;
                        }
                    }
                }
            }
        }
    }

    /*
     * The same loops over n samples side by side (sample-minor layout): the innermost loop runs over
     * the samples, so each sample sees exactly the operations of forward/backward in the same order,
     * and the JIT can vectorize across samples. Per-sample partial sums (weight and bias gradients)
     * are added to gp sample by sample, as n calls of backward would.
     */

    /** Whether every tap of every output lies inside the input (no padding): then im2col holds no zeros. */
    private boolean unpadded() {
        return g.padTop() == 0 && g.padBottom() == 0 && g.padLeft() == 0 && g.padRight() == 0;
    }

    @Override
    void forwardBatch(Shape in, double[] p, double[] x, double[] y, int n) {
        if (unpadded()) {
            // Without padding every output adds all its taps, from its bias, in weight order: the
            // matrix product of the fast mode performs exactly the operations of forward.
            forwardProduct(in, p, x, y, n);
            return;
        }
        final int cin = g.inChannels(), m = g.outChannels(), kh = g.kernelRows(), kw = g.kernelCols();
        final int sr = g.strideRows(), sc = g.strideCols(), pt = g.padTop(), pl = g.padLeft();
        final int h = in.dim(1), w = in.dim(2);
        final int ho = (h + pt + g.padBottom() - kh) / sr + 1, wo = (w + pl + g.padRight() - kw) / sc + 1;
        final int nw = g.weightCount();
        final int xstep = sc * n;
        for (int o = 0; o < m; o++) {
            int ob = o * ho * wo;
            Arrays.fill(y, ob * n, (ob + ho * wo) * n, p[nw + o]);
            for (int i = 0; i < cin; i++) {
                int xb = i * h * w;
                for (int kr = 0; kr < kh; kr++) {
                    int r0 = firstValid(kr - pt, sr), r1 = lastValid(kr - pt, sr, h, ho);
                    for (int kc = 0; kc < kw; kc++) {
                        double wt = p[((o * cin + i) * kh + kr) * kw + kc];
                        int c0 = firstValid(kc - pl, sc), c1 = lastValid(kc - pl, sc, w, wo);
                        for (int r = r0; r < r1; r++) {
                            int yo = (ob + r * wo + c0) * n;
                            int xo = (xb + (r * sr + kr - pt) * w + kc - pl + c0 * sc) * n;
                            for (int c = c0; c < c1; c++, yo += n, xo += xstep) {
                                for (int s = 0; s < n; s++) {
                                    y[yo + s] += wt * x[xo + s];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    void backwardBatch(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp, int n) {
        final int cin = g.inChannels(), m = g.outChannels(), kh = g.kernelRows(), kw = g.kernelCols();
        final int sr = g.strideRows(), sc = g.strideCols(), pt = g.padTop(), pl = g.padLeft();
        final int h = in.dim(1), w = in.dim(2);
        final int ho = (h + pt + g.padBottom() - kh) / sr + 1, wo = (w + pl + g.padRight() - kw) / sc + 1;
        final int nw = g.weightCount();
        final int xstep = sc * n;
        double[] acc = new double[n];
        if (gx != null) {
            Arrays.fill(gx, 0, in.size() * n, 0.0);
        }
        for (int o = 0; o < m; o++) {
            int ob = o * ho * wo;
            if (gp != null) {
                Arrays.fill(acc, 0.0);
                for (int k = ob * n, end = (ob + ho * wo) * n; k < end; k += n) {
                    for (int s = 0; s < n; s++) {
                        acc[s] += gy[k + s];
                    }
                }
                for (int s = 0; s < n; s++) {
                    gp[nw + o] += acc[s];
                }
            }
            for (int i = 0; i < cin; i++) {
                int xb = i * h * w;
                for (int kr = 0; kr < kh; kr++) {
                    int r0 = firstValid(kr - pt, sr), r1 = lastValid(kr - pt, sr, h, ho);
                    for (int kc = 0; kc < kw; kc++) {
                        int widx = ((o * cin + i) * kh + kr) * kw + kc;
                        double wt = p[widx];
                        int c0 = firstValid(kc - pl, sc), c1 = lastValid(kc - pl, sc, w, wo);
                        Arrays.fill(acc, 0.0);
                        for (int r = r0; r < r1; r++) {
                            int yo = (ob + r * wo + c0) * n;
                            int xo = (xb + (r * sr + kr - pt) * w + kc - pl + c0 * sc) * n;
                            if (gx != null) {
                                for (int c = c0; c < c1; c++, yo += n, xo += xstep) {
                                    for (int s = 0; s < n; s++) {
                                        double gyv = gy[yo + s];
                                        acc[s] += gyv * x[xo + s];
                                        gx[xo + s] += wt * gyv;
                                    }
                                }
                            } else {
                                for (int c = c0; c < c1; c++, yo += n, xo += xstep) {
                                    for (int s = 0; s < n; s++) {
                                        acc[s] += gy[yo + s] * x[xo + s];
                                    }
                                }
                            }
                        }
                        if (gp != null) {
                            for (int s = 0; s < n; s++) {
                                gp[widx] += acc[s];
                            }
                        }
                    }
                }
            }
        }
    }

    /*
     * Fast mode: the convolution as three matrix products over the chunk, padding as zeros. With
     * K = cin*kh*kw taps and J = positions * samples columns: Y = W Col + b (Col is K x J),
     * dW += GY ColT (ColT is J x K), GCol = W^T GY then col2im into dx. The products run in Gemm,
     * which wants its operands as arrays of rows (see there why), so Col, ColT, GCol and the rows
     * of Y, dW and GY are gathered into fresh row arrays per call: the layer is shared by the
     * trainer's threads, and the allocation (25 MB per CIFAR chunk of 8) costs little next to the
     * products (JMH -prof gc: well under 1 % of the time in GC). Every sum runs in a fixed order
     * (Y from the bias in tap order, as forward does; dW from gp over the columns; dx over the
     * taps), whatever the thread count.
     */

    /** Output rows for an input of shape {@code in}. */
    private int outRows(Shape in) {
        return (in.dim(1) + g.padTop() + g.padBottom() - g.kernelRows()) / g.strideRows() + 1;
    }

    /** Output columns for an input of shape {@code in}. */
    private int outCols(Shape in) {
        return (in.dim(2) + g.padLeft() + g.padRight() - g.kernelCols()) / g.strideCols() + 1;
    }

    /**
     * The chunk's im2col matrix, one array per tap {@code k = (i*kh + kr)*kw + kc} (the weight
     * order), holding that tap of every column {@code pos*n + s}; zero in the padding.
     */
    private double[][] im2col(Shape in, double[] x, int n, int ho, int wo) {
        final int cin = g.inChannels(), kh = g.kernelRows(), kw = g.kernelCols();
        final int sr = g.strideRows(), sc = g.strideCols(), pt = g.padTop(), pl = g.padLeft();
        final int h = in.dim(1), w = in.dim(2);
        final int cols = ho * wo * n;
        double[][] col = new double[cin * kh * kw][];
        int k = 0;
        for (int i = 0; i < cin; i++) {
            for (int kr = 0; kr < kh; kr++) {
                int r0 = firstValid(kr - pt, sr), r1 = lastValid(kr - pt, sr, h, ho);
                for (int kc = 0; kc < kw; kc++, k++) {
                    double[] row = new double[cols];
                    col[k] = row;
                    int c0 = firstValid(kc - pl, sc), c1 = lastValid(kc - pl, sc, w, wo);
                    if (c0 >= c1) {
                        continue;
                    }
                    for (int r = r0; r < r1; r++) {
                        int src = ((i * h + r * sr + kr - pt) * w + c0 * sc + kc - pl) * n;
                        int dst = (r * wo + c0) * n;
                        if (sc == 1) {
                            System.arraycopy(x, src, row, dst, (c1 - c0) * n);
                        } else {
                            for (int c = c0; c < c1; c++, src += sc * n, dst += n) {
                                System.arraycopy(x, src, row, dst, n);
                            }
                        }
                    }
                }
            }
        }
        return col;
    }

    /**
     * The transpose of {@link #im2col}, one array per column {@code pos*n + s}, holding its taps in
     * weight order. Built column by column, so that the writes run along each array (tap by tap
     * across the columns took twice as long).
     */
    private double[][] im2colT(Shape in, double[] x, int n, int ho, int wo) {
        final int cin = g.inChannels(), kh = g.kernelRows(), kw = g.kernelCols();
        final int sr = g.strideRows(), sc = g.strideCols(), pt = g.padTop(), pl = g.padLeft();
        final int h = in.dim(1), w = in.dim(2);
        double[][] colT = new double[ho * wo * n][cin * kh * kw];
        for (int r = 0; r < ho; r++) {
            int kr0 = Math.max(0, pt - r * sr), kr1 = Math.min(kh, h + pt - r * sr);
            for (int c = 0; c < wo; c++) {
                int kc0 = Math.max(0, pl - c * sc), kc1 = Math.min(kw, w + pl - c * sc);
                for (int s = 0; s < n; s++) {
                    double[] row = colT[(r * wo + c) * n + s];
                    for (int i = 0; i < cin; i++) {
                        for (int kr = kr0; kr < kr1; kr++) {
                            int k = (i * kh + kr) * kw + kc0;
                            int src = ((i * h + r * sr + kr - pt) * w + c * sc + kc0 - pl) * n + s;
                            for (int kc = kc0; kc < kc1; kc++, k++, src += n) {
                                row[k] = x[src];
                            }
                        }
                    }
                }
            }
        }
        return colT;
    }

    /** {@code gx += col2im(gcol)}: each tap's gradient back onto the input value it read. */
    private void col2im(Shape in, double[][] gcol, double[] gx, int n, int ho, int wo) {
        final int cin = g.inChannels(), kh = g.kernelRows(), kw = g.kernelCols();
        final int sr = g.strideRows(), sc = g.strideCols(), pt = g.padTop(), pl = g.padLeft();
        final int h = in.dim(1), w = in.dim(2);
        int k = 0;
        for (int i = 0; i < cin; i++) {
            for (int kr = 0; kr < kh; kr++) {
                int r0 = firstValid(kr - pt, sr), r1 = lastValid(kr - pt, sr, h, ho);
                for (int kc = 0; kc < kw; kc++, k++) {
                    double[] row = gcol[k];
                    int c0 = firstValid(kc - pl, sc), c1 = lastValid(kc - pl, sc, w, wo);
                    for (int r = r0; r < r1; r++) {
                        int dst = ((i * h + r * sr + kr - pt) * w + c0 * sc + kc - pl) * n;
                        int src = (r * wo + c0) * n;
                        for (int c = c0; c < c1; c++, dst += sc * n, src += n) {
                            for (int s = 0; s < n; s++) {
                                gx[dst + s] += row[src + s];
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    void forwardFast(Shape in, double[] p, double[] x, double[] y, int n) {
        forwardProduct(in, p, x, y, n);
    }

    /** {@code Y = W Col + b} over the im2col columns of the chunk (padding as zeros). */
    private void forwardProduct(Shape in, double[] p, double[] x, double[] y, int n) {
        final int m = g.outChannels(), ho = outRows(in), wo = outCols(in);
        final int kk = g.inChannels() * g.kernelRows() * g.kernelCols();
        final int cols = ho * wo * n;
        final int nw = g.weightCount();
        double[][] col = im2col(in, x, n, ho, wo);
        double[][] out = new double[m][cols];
        for (int o = 0; o < m; o++) {
            Arrays.fill(out[o], p[nw + o]);
        }
        Gemm.multiplyAdd(out, m, cols, p, 0, kk, 1, col, kk);
        for (int o = 0; o < m; o++) {
            System.arraycopy(out[o], 0, y, o * cols, cols);
        }
    }

    @Override
    void backwardFast(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp, int n) {
        final int m = g.outChannels(), ho = outRows(in), wo = outCols(in);
        final int kk = g.inChannels() * g.kernelRows() * g.kernelCols();
        final int cols = ho * wo * n;
        final int nw = g.weightCount();
        if (gp != null) {
            for (int o = 0; o < m; o++) {
                double b = 0;
                for (int j = o * cols, end = j + cols; j < end; j++) {
                    b += gy[j];
                }
                gp[nw + o] += b;
            }
            double[][] gw = new double[m][];
            for (int o = 0; o < m; o++) {
                gw[o] = Arrays.copyOfRange(gp, o * kk, (o + 1) * kk);
            }
            Gemm.multiplyAdd(gw, m, kk, gy, 0, cols, 1, im2colT(in, x, n, ho, wo), cols);
            for (int o = 0; o < m; o++) {
                System.arraycopy(gw[o], 0, gp, o * kk, kk);
            }
        }
        if (gx != null) {
            double[][] gyRows = new double[m][];
            for (int o = 0; o < m; o++) {
                gyRows[o] = Arrays.copyOfRange(gy, o * cols, (o + 1) * cols);
            }
            double[][] gcol = new double[kk][cols];
            Gemm.multiplyAdd(gcol, kk, cols, p, 0, 1, kk, gyRows, m);
            Arrays.fill(gx, 0, in.size() * n, 0.0);
            col2im(in, gcol, gx, n, ho, wo);
        }
    }

    /** The first output index r with {@code r*stride + offset >= 0}. */
    private static int firstValid(int offset, int stride) {
        return offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    }

    /** One past the last output index r (below {@code outSize}) with {@code r*stride + offset < size}. */
    private static int lastValid(int offset, int stride, int size, int outSize) {
        int limit = size - offset; // need r*stride < limit
        if (limit <= 0) {
            return 0;
        }
        return Math.min(outSize, (limit - 1) / stride + 1);
    }
}
