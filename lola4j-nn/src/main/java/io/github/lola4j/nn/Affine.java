package io.github.lola4j.nn;

import java.util.Arrays;

/**
 * A sparse affine layer {@code y = M x + b}: any linear map with a bias, stored by rows with only
 * the non-zero weights (columns ascending within a row). It takes any input of
 * {@link #inputs()} values, whatever its shape, and produces a fixed output shape.
 *
 * <p>This is the layer a graph network becomes when it is lowered to a sequence
 * ({@link GraphNetwork#toNetwork}): a residual Add, a Concat, a per-channel scale, and the
 * convolutions of parallel branches all merge into one such map. Immutable.
 */
public final class Affine extends Layer {
    /** The most weights one affine layer may hold (as for dense layers). */
    public static final int MAX_WEIGHTS = 1 << 28;

    private final int in;
    private final Shape out;
    private final int[] rowStart;
    private final int[] cols;
    /** The non-zero weights row by row, then the biases. */
    private final double[] params;

    private Affine(int in, Shape out, int[] rowStart, int[] cols, double[] params) {
        this.in = in;
        this.out = out;
        this.rowStart = rowStart;
        this.cols = cols;
        this.params = params;
    }

    /**
     * Creates an affine layer from its rows.
     *
     * @param inputs   the number of input values
     * @param output   the output shape ({@code output.size()} rows)
     * @param rowStart {@code output.size() + 1} offsets: row o's weights are entries
     *                 {@code rowStart[o]} to {@code rowStart[o + 1] - 1} of {@code columns} and
     *                 {@code weights}
     * @param columns  the input index of each weight, strictly ascending within a row
     * @param weights  the weights (zeros are allowed but waste work)
     * @param bias     {@code output.size()} biases
     * @return the layer (the arrays are copied)
     * @throws IllegalArgumentException naming the first entry that is out of range, out of order or
     *                                  not finite
     */
    public static Affine of(int inputs, Shape output, int[] rowStart, int[] columns, double[] weights, double[] bias) {
        int m = output.size();
        if (inputs <= 0) {
            throw new IllegalArgumentException("affine: needs at least one input, got " + inputs);
        }
        if (rowStart.length != m + 1 || rowStart[0] != 0) {
            throw new IllegalArgumentException("affine: rowStart must have " + (m + 1) + " offsets starting at 0, got "
                    + rowStart.length + (rowStart.length > 0 ? " starting at " + rowStart[0] : ""));
        }
        int nnz = rowStart[m];
        if (nnz < 0 || nnz > MAX_WEIGHTS || columns.length != nnz || weights.length != nnz) {
            throw new IllegalArgumentException("affine: rowStart ends at " + nnz + " (at most " + MAX_WEIGHTS + "), with "
                    + columns.length + " columns and " + weights.length + " weights");
        }
        if (bias.length != m) {
            throw new IllegalArgumentException("affine: needs " + m + " biases, got " + bias.length);
        }
        for (int o = 0; o < m; o++) {
            if (rowStart[o + 1] < rowStart[o]) {
                throw new IllegalArgumentException("affine: rowStart[" + (o + 1) + "] = " + rowStart[o + 1] + " is below rowStart["
                        + o + "] = " + rowStart[o]);
            }
            for (int k = rowStart[o]; k < rowStart[o + 1]; k++) {
                if (columns[k] < 0 || columns[k] >= inputs || (k > rowStart[o] && columns[k] <= columns[k - 1])) {
                    throw new IllegalArgumentException("affine: row " + o + " column " + columns[k] + " is outside 0.."
                            + (inputs - 1) + " or not ascending");
                }
            }
        }
        double[] p = Arrays.copyOf(weights, nnz + m);
        System.arraycopy(bias, 0, p, nnz, m);
        requireFinite("affine", "parameter", p);
        return new Affine(inputs, output, rowStart.clone(), columns.clone(), p);
    }

    /**
     * The affine layer equal to a linear layer on a given input: a convolution, a dense layer, an
     * average pooling, a flatten, a polynomial activation without quadratic term, or an affine layer.
     *
     * @param layer the layer
     * @param in    its input shape
     * @return the layer's map, {@code in.size()} inputs and the layer's output shape
     * @throws IllegalArgumentException when the layer is not linear or cannot take {@code in}
     */
    public static Affine of(Layer layer, Shape in) {
        Shape outShape = layer.outputShape(in);
        if (layer instanceof Affine a) {
            return a;
        }
        Rows rows = new Rows(in.size(), outShape);
        if (layer instanceof Flatten) {
            for (int i = 0; i < in.size(); i++) {
                rows.put(i, 1);
                rows.end(0);
            }
        } else if (layer instanceof Dense d) {
            for (int o = 0; o < d.outputs(); o++) {
                for (int i = 0; i < d.inputs(); i++) {
                    rows.put(i, d.weight(o, i));
                }
                rows.end(d.bias(o));
            }
        } else if (layer instanceof Conv2d conv) {
            convolution(conv, in, outShape, rows);
        } else if (layer instanceof AvgPool p) {
            pool(p, in, outShape, rows);
        } else if (layer instanceof PolyActivation p && p.a() == 0) {
            for (int i = 0; i < in.size(); i++) {
                rows.put(i, p.b());
                rows.end(p.c());
            }
        } else {
            throw new IllegalArgumentException(layer.kind() + " is not a linear layer");
        }
        return rows.build();
    }

    private static void convolution(Conv2d conv, Shape in, Shape out, Rows rows) {
        Conv2d.Geometry g = conv.geometry();
        int h = in.dim(1);
        int w = in.dim(2);
        for (int o = 0; o < g.outChannels(); o++) {
            for (int r = 0; r < out.dim(1); r++) {
                for (int col = 0; col < out.dim(2); col++) {
                    for (int i = 0; i < g.inChannels(); i++) {
                        for (int kr = 0; kr < g.kernelRows(); kr++) {
                            int y = r * g.strideRows() + kr - g.padTop();
                            if (y < 0 || y >= h) {
                                continue;
                            }
                            for (int kc = 0; kc < g.kernelCols(); kc++) {
                                int x = col * g.strideCols() + kc - g.padLeft();
                                if (x >= 0 && x < w) {
                                    rows.put((i * h + y) * w + x, conv.weight(o, i, kr, kc));
                                }
                            }
                        }
                    }
                    rows.end(conv.bias(o));
                }
            }
        }
    }

    private static void pool(AvgPool p, Shape in, Shape out, Rows rows) {
        int h = in.dim(1);
        int w = in.dim(2);
        double inv = 1.0 / (p.kernelRows() * p.kernelCols());
        for (int ch = 0; ch < in.dim(0); ch++) {
            for (int r = 0; r < out.dim(1); r++) {
                for (int col = 0; col < out.dim(2); col++) {
                    for (int kr = 0; kr < p.kernelRows(); kr++) {
                        for (int kc = 0; kc < p.kernelCols(); kc++) {
                            rows.put((ch * h + r * p.strideRows() + kr) * w + col * p.strideCols() + kc, inv);
                        }
                    }
                    rows.end(0);
                }
            }
        }
    }

    /**
     * The identity on a shape.
     *
     * @param shape the shape
     * @return y = x
     */
    public static Affine identity(Shape shape) {
        Rows rows = new Rows(shape.size(), shape);
        for (int i = 0; i < shape.size(); i++) {
            rows.put(i, 1);
            rows.end(0);
        }
        return rows.build();
    }

    /**
     * This map applied after another: x -> this(first(x)).
     *
     * @param first the map applied first; its outputs are this map's inputs
     * @return the composition, with {@code first}'s inputs and this map's output shape
     * @throws IllegalArgumentException when the sizes do not match
     */
    public Affine after(Affine first) {
        if (first.out.size() != in) {
            throw new IllegalArgumentException("affine: cannot compose " + first.out.size() + " outputs into " + in + " inputs");
        }
        int n = first.in;
        int fnz = first.cols.length;
        Rows rows = new Rows(n, out);
        double[] acc = new double[n];
        boolean[] used = new boolean[n];
        int[] touched = new int[n];
        int nnz = cols.length;
        for (int o = 0; o < out.size(); o++) {
            int t = 0;
            double s = params[nnz + o];
            for (int k = rowStart[o]; k < rowStart[o + 1]; k++) {
                int mid = cols[k];
                double w = params[k];
                s += w * first.params[fnz + mid];
                for (int q = first.rowStart[mid]; q < first.rowStart[mid + 1]; q++) {
                    int j = first.cols[q];
                    if (!used[j]) {
                        used[j] = true;
                        touched[t++] = j;
                    }
                    acc[j] += w * first.params[q];
                }
            }
            Arrays.sort(touched, 0, t);
            for (int q = 0; q < t; q++) {
                int j = touched[q];
                rows.put(j, acc[j]);
                acc[j] = 0;
                used[j] = false;
            }
            rows.end(s);
        }
        return rows.build();
    }

    /** Appends this map's rows, each times {@code scale} and plus {@code shift}, to a builder over the same inputs. */
    void appendTo(Rows rows, double scale, double shift) {
        int nnz = cols.length;
        for (int o = 0; o < out.size(); o++) {
            for (int k = rowStart[o]; k < rowStart[o + 1]; k++) {
                rows.put(cols[k], scale * params[k]);
            }
            rows.end(scale * params[nnz + o] + shift);
        }
    }

    /**
     * Builds an affine layer row by row: {@link #put} the non-zero weights of a row (zeros are
     * skipped), then {@link #end} it with its bias. Columns may come in any order; a row is sorted
     * when it ends.
     */
    static final class Rows {
        private final int inputs;
        private final Shape shape;
        private final int[] start;
        private int[] c = new int[16];
        private double[] v = new double[16];
        private final double[] bias;
        private int n;
        private int row;

        Rows(int inputs, Shape shape) {
            this.inputs = inputs;
            this.shape = shape;
            this.start = new int[shape.size() + 1];
            this.bias = new double[shape.size()];
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

        void end(double b) {
            // Columns come ascending from every caller except a convolution with several input
            // channels; an insertion sort keeps rows of a few hundred entries cheap.
            for (int i = start[row] + 1; i < n; i++) {
                int ck = c[i];
                double vk = v[i];
                int j = i - 1;
                while (j >= start[row] && c[j] > ck) {
                    c[j + 1] = c[j];
                    v[j + 1] = v[j];
                    j--;
                }
                c[j + 1] = ck;
                v[j + 1] = vk;
            }
            bias[row++] = b;
            start[row] = n;
        }

        Affine build() {
            if (row != shape.size()) {
                throw new IllegalStateException("affine: " + row + " of " + shape.size() + " rows built");
            }
            return of(inputs, shape, start, Arrays.copyOf(c, n), Arrays.copyOf(v, n), bias);
        }
    }

    /** The number of input values. */
    public int inputs() {
        return in;
    }

    /** The output shape. */
    public Shape output() {
        return out;
    }

    /** The number of stored (non-zero) weights. */
    public int storedWeights() {
        return cols.length;
    }

    /** Row offsets, {@code output().size() + 1} of them (a copy). */
    public int[] rowStarts() {
        return rowStart.clone();
    }

    /** The column of each stored weight (a copy). */
    public int[] columns() {
        return cols.clone();
    }

    /** The stored weights, row by row (a copy). */
    public double[] weights() {
        return Arrays.copyOf(params, cols.length);
    }

    /** The biases (a copy). */
    public double[] biases() {
        return Arrays.copyOfRange(params, cols.length, params.length);
    }

    @Override
    public String kind() {
        return "affine";
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.size() != in) {
            throw new IllegalArgumentException("affine: expects " + in + " input values, got " + input);
        }
        return out;
    }

    @Override
    public int parameterCount() {
        return params.length;
    }

    @Override
    public String toString() {
        return "affine " + in + "->" + out + " (" + cols.length + " weights)";
    }

    @Override
    int weightCount() {
        return cols.length;
    }

    @Override
    double[] parameters() {
        return params;
    }

    @Override
    Layer withParameters(double[] flat) {
        if (flat.length != params.length) {
            throw new IllegalArgumentException("affine: needs " + params.length + " parameters, got " + flat.length);
        }
        double[] p = flat.clone();
        requireFinite("affine", "parameter", p);
        return new Affine(in, out, rowStart, cols, p);
    }

    @Override
    void forward(Shape shape, double[] p, double[] x, double[] y) {
        int nnz = cols.length;
        for (int o = 0; o < y.length; o++) {
            double s = p[nnz + o];
            for (int k = rowStart[o]; k < rowStart[o + 1]; k++) {
                s += p[k] * x[cols[k]];
            }
            y[o] = s;
        }
    }

    @Override
    void backward(Shape shape, double[] p, double[] x, double[] gy, double[] gx, double[] gp) {
        int nnz = cols.length;
        if (gx != null) {
            Arrays.fill(gx, 0);
        }
        for (int o = 0; o < gy.length; o++) {
            double g = gy[o];
            for (int k = rowStart[o]; k < rowStart[o + 1]; k++) {
                if (gx != null) {
                    gx[cols[k]] += p[k] * g;
                }
                if (gp != null) {
                    gp[k] += x[cols[k]] * g;
                }
            }
            if (gp != null) {
                gp[nnz + o] += g;
            }
        }
    }
}
