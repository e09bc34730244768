package io.github.lola4j.nn;

import java.util.Arrays;

/**
 * A fully connected layer on a vector: {@code y[o] = bias[o] + sum_i w[o][i] * x[i]}.
 *
 * <p>The input must have rank 1 (put a {@link Flatten} after an image-shaped layer), so the input
 * order a compiler sees is always the documented channel-major one. Flat weight index:
 * {@code o*in + i}.
 */
public final class Dense extends Layer {
    private final int in;
    private final int out;
    /** Weights (row-major [out][in]) then biases. */
    private final double[] params;

    private Dense(int in, int out, double[] params) {
        this.in = in;
        this.out = out;
        this.params = params;
    }

    /**
     * Creates a dense layer from weights indexed {@code [out][in]}.
     *
     * @param weights the weights, {@code out} rows of {@code in} entries (copied)
     * @param bias    {@code out} biases (copied)
     * @return the layer
     * @throws IllegalArgumentException when the rows are ragged, the lengths disagree or a value is not finite
     */
    public static Dense of(double[][] weights, double[] bias) {
        if (weights.length == 0 || weights[0].length == 0) {
            throw new IllegalArgumentException("dense: weights must be a non-empty [out][in] matrix");
        }
        int in = weights[0].length;
        double[] flat = new double[weights.length * in];
        for (int o = 0; o < weights.length; o++) {
            if (weights[o].length != in) {
                throw new IllegalArgumentException("dense: weights[" + o + "] has " + weights[o].length
                        + " entries, weights[0] has " + in);
            }
            System.arraycopy(weights[o], 0, flat, o * in, in);
        }
        return of(in, weights.length, flat, bias);
    }

    /**
     * Creates a dense layer from flat row-major weights.
     *
     * @param in      input size, positive
     * @param out     output size, positive
     * @param weights {@code out*in} weights, index {@code o*in + i} (copied)
     * @param bias    {@code out} biases (copied)
     * @return the layer
     * @throws IllegalArgumentException when a size or length is wrong or a value is not finite
     */
    public static Dense of(int in, int out, double[] weights, double[] bias) {
        checkSizes(in, out);
        if (weights.length != (long) in * out) {
            throw new IllegalArgumentException("dense: " + in + "->" + out + " needs " + ((long) in * out)
                    + " weights, got " + weights.length);
        }
        if (bias.length != out) {
            throw new IllegalArgumentException("dense: " + in + "->" + out + " needs " + out + " biases, got " + bias.length);
        }
        double[] p = Arrays.copyOf(weights, weights.length + out);
        System.arraycopy(bias, 0, p, weights.length, out);
        return checked(in, out, p);
    }

    /**
     * A dense layer with all weights and biases zero.
     *
     * @param in  input size
     * @param out output size
     * @return the layer
     * @throws IllegalArgumentException when a size is not positive
     */
    public static Dense zeros(int in, int out) {
        checkSizes(in, out);
        return new Dense(in, out, new double[in * out + out]);
    }

    private static void checkSizes(int in, int out) {
        if (in <= 0 || out <= 0 || (long) in * out > 1L << 28) {
            throw new IllegalArgumentException("dense: sizes " + in + "->" + out + " must be positive and at most 2^28 weights");
        }
    }

    private static Dense checked(int in, int out, double[] p) {
        for (int k = 0; k < p.length; k++) {
            if (!Double.isFinite(p[k])) {
                String where = k < in * out ? "weight[" + (k / in) + "][" + (k % in) + "]" : "bias[" + (k - in * out) + "]";
                throw new IllegalArgumentException("dense: " + where + " is " + p[k] + ", expected a finite number");
            }
        }
        return new Dense(in, out, p);
    }

    /** The input size. */
    public int inputs() {
        return in;
    }

    /** The output size. */
    public int outputs() {
        return out;
    }

    /**
     * One weight.
     *
     * @param o output index
     * @param i input index
     * @return {@code w[o][i]}
     * @throws IndexOutOfBoundsException when an index is out of range
     */
    public double weight(int o, int i) {
        if (o < 0 || o >= out || i < 0 || i >= in) {
            throw new IndexOutOfBoundsException("weight(" + o + ", " + i + ") outside " + out + "x" + in);
        }
        return params[o * in + i];
    }

    /**
     * One bias.
     *
     * @param o output index
     * @return {@code bias[o]}
     */
    public double bias(int o) {
        if (o < 0 || o >= out) {
            throw new IndexOutOfBoundsException("bias(" + o + ") outside " + out);
        }
        return params[in * out + o];
    }

    /** A copy of the weights indexed {@code [out][in]}. */
    public double[][] weights() {
        double[][] w = new double[out][];
        for (int o = 0; o < out; o++) {
            w[o] = Arrays.copyOfRange(params, o * in, (o + 1) * in);
        }
        return w;
    }

    /** A copy of the biases. */
    public double[] biases() {
        return Arrays.copyOfRange(params, in * out, params.length);
    }

    @Override
    public String kind() {
        return "dense";
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 1 || input.dim(0) != in) {
            throw new IllegalArgumentException("dense: expects a vector of " + in + " inputs, got " + input
                    + (input.rank() != 1 && input.size() == in ? " (add a flatten layer before it)" : ""));
        }
        return Shape.of(out);
    }

    @Override
    public int parameterCount() {
        return params.length;
    }

    @Override
    public String toString() {
        return "dense " + in + "->" + out;
    }

    @Override
    int weightCount() {
        return in * out;
    }

    @Override
    double[] parameters() {
        return params;
    }

    @Override
    Layer withParameters(double[] flat) {
        if (flat.length != params.length) {
            throw new IllegalArgumentException("dense: needs " + params.length + " parameters, got " + flat.length);
        }
        return checked(in, out, flat.clone());
    }

    @Override
    void forward(Shape shape, double[] p, double[] x, double[] y) {
        final int n = in;
        final int bias = in * out;
        for (int o = 0; o < out; o++) {
            int row = o * n;
            // Four independent partial sums break the add latency chain; the order is fixed, so
            // results are reproducible.
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 3 < n; i += 4) {
                s0 += p[row + i] * x[i];
                s1 += p[row + i + 1] * x[i + 1];
                s2 += p[row + i + 2] * x[i + 2];
                s3 += p[row + i + 3] * x[i + 3];
            }
            for (; i < n; i++) {
                s0 += p[row + i] * x[i];
            }
            y[o] = p[bias + o] + ((s0 + s1) + (s2 + s3));
        }
    }

    @Override
    void backward(Shape shape, double[] p, double[] x, double[] gy, double[] gx, double[] gp) {
        final int n = in;
        if (gx != null) {
            Arrays.fill(gx, 0, n, 0.0);
        }
        for (int o = 0; o < out; o++) {
            double g = gy[o];
            int row = o * n;
            if (gp != null) {
                gp[in * out + o] += g;
                for (int i = 0; i < n; i++) {
                    gp[row + i] += g * x[i];
                }
            }
            if (gx != null) {
                for (int i = 0; i < n; i++) {
                    gx[i] += p[row + i] * g;
                }
            }
        }
    }
}
