package io.github.lola4j.lola;

import io.github.lola4j.nn.Affine;
import io.github.lola4j.nn.Layer;
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
     * @param layer a conv2d, dense, avgpool, flatten, affine, or a poly activation without quadratic term
     * @param in    its input shape
     * @return the map
     * @throws IllegalArgumentException for a layer that is not linear
     */
    static AffineMap of(Layer layer, Shape in) {
        return of(Affine.of(layer, in));
    }

    /** The map of an affine layer (its rows copied out). */
    static AffineMap of(Affine a) {
        int m = a.output().size();
        int[] start = a.rowStarts();
        int[] c = a.columns();
        double[] w = a.weights();
        int[][] cols = new int[m][];
        double[][] vals = new double[m][];
        for (int o = 0; o < m; o++) {
            cols[o] = Arrays.copyOfRange(c, start[o], start[o + 1]);
            vals[o] = Arrays.copyOfRange(w, start[o], start[o + 1]);
        }
        return new AffineMap(a.inputs(), cols, vals, a.biases());
    }

    /** This map as an affine layer producing a vector. */
    Affine toAffine() {
        int m = outputs();
        int[] start = new int[m + 1];
        for (int o = 0; o < m; o++) {
            start[o + 1] = start[o] + cols[o].length;
        }
        int[] c = new int[start[m]];
        double[] w = new double[start[m]];
        for (int o = 0; o < m; o++) {
            System.arraycopy(cols[o], 0, c, start[o], cols[o].length);
            System.arraycopy(vals[o], 0, w, start[o], vals[o].length);
        }
        return Affine.of(inputs, Shape.of(m), start, c, w, bias);
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
        return of(toAffine().after(first.toAffine()));
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
}
