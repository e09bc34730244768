package io.github.lola4j.lola;

import io.github.lola4j.nn.AvgPool;
import io.github.lola4j.nn.Conv2d;
import io.github.lola4j.nn.Dense;
import io.github.lola4j.nn.Flatten;
import io.github.lola4j.nn.Layer;
import io.github.lola4j.nn.PolyActivation;
import io.github.lola4j.nn.Shape;
import java.util.Arrays;

/**
 * A linear layer, or several merged, as y = M x + b with M sparse by rows: the one view the
 * compiler needs of a convolution, a dense layer, an average pooling or a flatten (and of their
 * compositions). Rows keep only non-zero weights, columns ascending. Immutable.
 */
final class AffineMap {

    private final int inputs;
    private final int[][] cols;
    private final double[][] vals;
    private final double[] bias;

    private AffineMap(int inputs, int[][] cols, double[][] vals, double[] bias) {
        this.inputs = inputs;
        this.cols = cols;
        this.vals = vals;
        this.bias = bias;
    }

    /** The identity on n values. */
    static AffineMap identity(int n) {
        int[][] c = new int[n][];
        double[][] v = new double[n][];
        for (int i = 0; i < n; i++) {
            c[i] = new int[] {i};
            v[i] = new double[] {1};
        }
        return new AffineMap(n, c, v, new double[n]);
    }

    /**
     * The map of one linear layer.
     *
     * @param layer a conv2d, dense, avgpool, flatten, or a poly activation without quadratic term
     * @param in    its input shape
     * @return the map
     * @throws IllegalArgumentException for a layer that is not linear
     */
    static AffineMap of(Layer layer, Shape in) {
        if (layer instanceof Flatten) {
            return identity(in.size());
        }
        if (layer instanceof Dense d) {
            int n = d.inputs();
            int m = d.outputs();
            int[][] c = new int[m][];
            double[][] v = new double[m][];
            double[] b = new double[m];
            for (int o = 0; o < m; o++) {
                Row r = new Row(n);
                for (int i = 0; i < n; i++) {
                    r.put(i, d.weight(o, i));
                }
                c[o] = r.cols();
                v[o] = r.vals();
                b[o] = d.bias(o);
            }
            return new AffineMap(n, c, v, b);
        }
        if (layer instanceof Conv2d conv) {
            return convolution(conv, in);
        }
        if (layer instanceof AvgPool p) {
            return pool(p, in);
        }
        if (layer instanceof PolyActivation p && p.a() == 0) {
            int n = in.size();
            int[][] c = new int[n][];
            double[][] v = new double[n][];
            double[] b = new double[n];
            for (int i = 0; i < n; i++) {
                c[i] = p.b() == 0 ? new int[0] : new int[] {i};
                v[i] = p.b() == 0 ? new double[0] : new double[] {p.b()};
                b[i] = p.c();
            }
            return new AffineMap(n, c, v, b);
        }
        throw new IllegalArgumentException(layer.kind() + " is not a linear layer");
    }

    private static AffineMap convolution(Conv2d conv, Shape in) {
        Conv2d.Geometry g = conv.geometry();
        Shape out = conv.outputShape(in);
        int h = in.dim(1);
        int w = in.dim(2);
        int ho = out.dim(1);
        int wo = out.dim(2);
        int m = out.size();
        int[][] c = new int[m][];
        double[][] v = new double[m][];
        double[] b = new double[m];
        int taps = g.inChannels() * g.kernelRows() * g.kernelCols();
        for (int o = 0; o < g.outChannels(); o++) {
            for (int r = 0; r < ho; r++) {
                for (int col = 0; col < wo; col++) {
                    Row row = new Row(taps);
                    for (int i = 0; i < g.inChannels(); i++) {
                        for (int kr = 0; kr < g.kernelRows(); kr++) {
                            int y = r * g.strideRows() + kr - g.padTop();
                            if (y < 0 || y >= h) {
                                continue;
                            }
                            for (int kc = 0; kc < g.kernelCols(); kc++) {
                                int x = col * g.strideCols() + kc - g.padLeft();
                                if (x >= 0 && x < w) {
                                    row.put((i * h + y) * w + x, conv.weight(o, i, kr, kc));
                                }
                            }
                        }
                    }
                    int idx = (o * ho + r) * wo + col;
                    row.sort();
                    c[idx] = row.cols();
                    v[idx] = row.vals();
                    b[idx] = conv.bias(o);
                }
            }
        }
        return new AffineMap(in.size(), c, v, b);
    }

    private static AffineMap pool(AvgPool p, Shape in) {
        Shape out = p.outputShape(in);
        int h = in.dim(1);
        int w = in.dim(2);
        int ho = out.dim(1);
        int wo = out.dim(2);
        double inv = 1.0 / (p.kernelRows() * p.kernelCols());
        int m = out.size();
        int[][] c = new int[m][];
        double[][] v = new double[m][];
        for (int ch = 0; ch < in.dim(0); ch++) {
            for (int r = 0; r < ho; r++) {
                for (int col = 0; col < wo; col++) {
                    Row row = new Row(p.kernelRows() * p.kernelCols());
                    for (int kr = 0; kr < p.kernelRows(); kr++) {
                        for (int kc = 0; kc < p.kernelCols(); kc++) {
                            row.put((ch * h + r * p.strideRows() + kr) * w + col * p.strideCols() + kc, inv);
                        }
                    }
                    int idx = (ch * ho + r) * wo + col;
                    row.sort();
                    c[idx] = row.cols();
                    v[idx] = row.vals();
                }
            }
        }
        return new AffineMap(in.size(), c, v, new double[m]);
    }

    /** The input length n. */
    int inputs() {
        return inputs;
    }

    /** The output length m. */
    int outputs() {
        return cols.length;
    }

    /** The non-zero columns of row o (shared: do not modify). */
    int[] columns(int o) {
        return cols[o];
    }

    /** The non-zero weights of row o, aligned with {@link #columns(int)} (shared: do not modify). */
    double[] weights(int o) {
        return vals[o];
    }

    /** b_o. */
    double bias(int o) {
        return bias[o];
    }

    /** The number of non-zero weights. */
    long nonZeros() {
        long s = 0;
        for (int[] c : cols) {
            s += c.length;
        }
        return s;
    }

    /** The largest number of non-zero weights in one row. */
    int maxRowNonZeros() {
        int m = 0;
        for (int[] c : cols) {
            m = Math.max(m, c.length);
        }
        return m;
    }

    /** Whether this is the identity: n = m, and row o is x_o with no bias. */
    boolean isIdentity() {
        if (inputs() != outputs()) {
            return false;
        }
        for (int o = 0; o < outputs(); o++) {
            if (columns(o).length != 1 || columns(o)[0] != o || weights(o)[0] != 1 || bias(o) != 0) {
                return false;
            }
        }
        return true;
    }

    /** M x + b. */
    double[] apply(double[] x) {
        if (x.length != inputs) {
            throw new IllegalArgumentException("expected " + inputs + " inputs, got " + x.length);
        }
        double[] y = new double[cols.length];
        for (int o = 0; o < y.length; o++) {
            double s = bias[o];
            for (int k = 0; k < cols[o].length; k++) {
                s += vals[o][k] * x[cols[o][k]];
            }
            y[o] = s;
        }
        return y;
    }

    /**
     * This map applied after that one: x -> this(first(x)).
     *
     * @param first the map applied first (its outputs are this map's inputs)
     * @return the composition
     */
    AffineMap after(AffineMap first) {
        if (first.outputs() != inputs) {
            throw new IllegalArgumentException("cannot compose: " + first.outputs() + " outputs into " + inputs + " inputs");
        }
        int m = outputs();
        int n = first.inputs;
        int[][] c = new int[m][];
        double[][] v = new double[m][];
        double[] b = new double[m];
        double[] acc = new double[n];
        boolean[] used = new boolean[n];
        int[] touched = new int[n];
        for (int o = 0; o < m; o++) {
            int t = 0;
            double s = bias[o];
            for (int k = 0; k < cols[o].length; k++) {
                int mid = cols[o][k];
                double w = vals[o][k];
                s += w * first.bias[mid];
                for (int q = 0; q < first.cols[mid].length; q++) {
                    int j = first.cols[mid][q];
                    if (!used[j]) {
                        used[j] = true;
                        touched[t++] = j;
                    }
                    acc[j] += w * first.vals[mid][q];
                }
            }
            Arrays.sort(touched, 0, t);
            Row row = new Row(t);
            for (int q = 0; q < t; q++) {
                int j = touched[q];
                row.put(j, acc[j]);
                acc[j] = 0;
                used[j] = false;
            }
            c[o] = row.cols();
            v[o] = row.vals();
            b[o] = s;
        }
        return new AffineMap(n, c, v, b);
    }

    /**
     * The map of stored values when the actual input is alpha * x + beta (an activation's pending
     * affine factor): M (alpha x + beta) + b.
     *
     * @param alpha the factor
     * @param beta  the offset
     * @return the folded map
     */
    AffineMap withInputAffine(double alpha, double beta) {
        if (alpha == 1 && beta == 0) {
            return this;
        }
        int m = outputs();
        double[][] v = new double[m][];
        double[] b = new double[m];
        for (int o = 0; o < m; o++) {
            v[o] = new double[vals[o].length];
            double s = bias[o];
            for (int k = 0; k < vals[o].length; k++) {
                v[o][k] = alpha * vals[o][k];
                s += beta * vals[o][k];
            }
            b[o] = s;
        }
        return new AffineMap(inputs, cols, v, b);
    }

    /** A row under construction: non-zero (column, weight) pairs. */
    private static final class Row {
        private int[] c;
        private double[] v;
        private int n;

        Row(int capacity) {
            c = new int[Math.max(capacity, 1)];
            v = new double[Math.max(capacity, 1)];
        }

        void put(int col, double w) {
            if (w == 0) {
                return;
            }
            if (n == c.length) {
                c = Arrays.copyOf(c, 2 * n);
                v = Arrays.copyOf(v, 2 * n);
            }
            c[n] = col;
            v[n++] = w;
        }

        void sort() {
            // Columns are appended in ascending order by every caller except a convolution with
            // several input channels; an insertion sort keeps rows of a few hundred entries cheap.
            for (int i = 1; i < n; i++) {
                int ck = c[i];
                double vk = v[i];
                int j = i - 1;
                while (j >= 0 && c[j] > ck) {
                    c[j + 1] = c[j];
                    v[j + 1] = v[j];
                    j--;
                }
                c[j + 1] = ck;
                v[j + 1] = vk;
            }
        }

        int[] cols() {
            return Arrays.copyOf(c, n);
        }

        double[] vals() {
            return Arrays.copyOf(v, n);
        }
    }
}
