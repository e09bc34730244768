package io.github.lola4j.nn;

/**
 * One layer of a {@link Network}. The set of layer types is closed (sealed), so a compiler can
 * handle each kind explicitly with {@code instanceof}.
 *
 * <p>Layers are immutable. A layer with parameters exposes them through typed, copying accessors
 * ({@link Conv2d#weight(int, int, int, int)}, {@link Dense#weights()}, ...). Internally every layer
 * also works on a flat parameter array (weights first, then biases) supplied by the caller, which
 * is how the {@link Trainer} runs the same kernels on its own mutable buffers.
 */
public abstract sealed class Layer permits Conv2d, Dense, Square, PolyActivation, AvgPool, Flatten, Affine {

    Layer() {
    }

    /** A short lowercase name of the layer type, as in error messages and {@code docs/models.md}: {@code conv2d}, {@code dense}, ... */
    public abstract String kind();

    /**
     * The shape this layer produces from an input of shape {@code input}.
     *
     * @param input the input shape
     * @return the output shape
     * @throws IllegalArgumentException when the layer cannot take that input, naming both
     */
    public abstract Shape outputShape(Shape input);

    private static final double[] NO_PARAMETERS = new double[0];

    /** The number of trainable parameters (weights and biases); 0 unless the layer has weights. */
    public int parameterCount() {
        return 0;
    }

    /**
     * Applies the layer to one input.
     *
     * @param x the input
     * @return the output, a new tensor of shape {@code outputShape(x.shape())}
     * @throws IllegalArgumentException when the layer cannot take {@code x}'s shape
     */
    public final Tensor apply(Tensor x) {
        Shape out = outputShape(x.shape());
        double[] y = new double[out.size()];
        forward(x.shape(), parameters(), x.dataNoCopy(), y);
        return Tensor.wrap(out, y);
    }

    /** A one-line description with the layer's geometry, e.g. {@code dense 845->100}. */
    @Override
    public abstract String toString();

    // ---- package-private kernel interface, shared by Network and Trainer ----

    /** The number of leading entries of the flat parameter array that are weights (the rest are biases). */
    int weightCount() {
        return 0;
    }

    /** The flat parameters (weights, then biases); the returned array may be the layer's own: do not modify. */
    double[] parameters() {
        return NO_PARAMETERS;
    }

    /**
     * A layer of the same geometry with the given flat parameters (copied and validated). Layers
     * without parameters accept only an empty array and return themselves.
     */
    Layer withParameters(double[] flat) {
        if (flat.length != 0) {
            throw new IllegalArgumentException(kind() + ": has no trainable parameters, got " + flat.length);
        }
        return this;
    }

    /**
     * Computes {@code y = layer(x)} with parameters {@code p}.
     *
     * @param in the input shape (already validated by {@link #outputShape(Shape)})
     * @param p  the flat parameters, not modified
     * @param x  the input, {@code in.size()} long, not modified
     * @param y  the output, overwritten
     */
    abstract void forward(Shape in, double[] p, double[] x, double[] y);

    /**
     * Back-propagates {@code gy = dL/dy} at input {@code x}.
     *
     * @param in the input shape
     * @param p  the flat parameters, not modified
     * @param x  the input of the forward pass, not modified
     * @param gy the gradient of the loss with respect to the output, not modified
     * @param gx receives dL/dx (overwritten), or null when not needed
     * @param gp accumulates dL/dp ({@code +=}), or null when not needed; ignored without parameters
     */
    abstract void backward(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp);

    /**
     * The forward pass of {@code n} samples at once, in the sample-minor layout: value f of sample
     * s at {@code x[f * n + s]} (and likewise for {@code y}). Every sample's result is bit-identical
     * to {@link #forward} on that sample alone: layers that override this keep each sample's order
     * of operations and only run the samples side by side, which lets the JIT vectorize across
     * them. This default runs the samples one at a time.
     *
     * @param in the input shape of one sample
     * @param p  the flat parameters, not modified
     * @param x  {@code in.size() * n} inputs, not modified
     * @param y  {@code outputShape(in).size() * n} outputs, overwritten
     * @param n  the number of samples, at least 1
     */
    void forwardBatch(Shape in, double[] p, double[] x, double[] y, int n) {
        int fi = in.size();
        int fo = outputShape(in).size();
        double[] xs = new double[fi];
        double[] ys = new double[fo];
        for (int s = 0; s < n; s++) {
            gather(x, fi, n, s, xs);
            forward(in, p, xs, ys);
            scatter(ys, fo, n, s, y);
        }
    }

    /**
     * The backward pass of {@code n} samples in the layout of {@link #forwardBatch}. The parameter
     * gradient receives the samples' contributions in sample order, each computed as
     * {@link #backward} computes it, so the sum is bit-identical to calling {@link #backward} for
     * sample 0, 1, ... in turn. This default does exactly that.
     *
     * @param in the input shape of one sample
     * @param p  the flat parameters, not modified
     * @param x  the inputs of the forward pass, not modified
     * @param gy the output gradients, not modified
     * @param gx receives the input gradients (overwritten), or null
     * @param gp accumulates the parameter gradient ({@code +=}), or null
     * @param n  the number of samples
     */
    void backwardBatch(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp, int n) {
        int fi = in.size();
        int fo = outputShape(in).size();
        double[] xs = new double[fi];
        double[] gys = new double[fo];
        double[] gxs = gx == null ? null : new double[fi];
        for (int s = 0; s < n; s++) {
            gather(x, fi, n, s, xs);
            gather(gy, fo, n, s, gys);
            backward(in, p, xs, gys, gxs, gp);
            if (gx != null) {
                scatter(gxs, fi, n, s, gx);
            }
        }
    }

    /**
     * The forward pass of {@link #forwardBatch} in the trainer's fast mode: a layer may reorder its
     * sums (the result then differs from {@link #forward} in the last bits, but is still fixed for
     * a given chunk, whatever the thread count). This default is {@link #forwardBatch}.
     */
    void forwardFast(Shape in, double[] p, double[] x, double[] y, int n) {
        forwardBatch(in, p, x, y, n);
    }

    /**
     * The backward pass of {@link #backwardBatch} in fast mode: the parameter gradient may be summed
     * over the chunk's samples in any fixed order. This default is {@link #backwardBatch}.
     */
    void backwardFast(Shape in, double[] p, double[] x, double[] gy, double[] gx, double[] gp, int n) {
        backwardBatch(in, p, x, gy, gx, gp, n);
    }

    /** Sample s of a sample-minor array of f features and n samples, into {@code out}. */
    static void gather(double[] batch, int f, int n, int s, double[] out) {
        for (int k = 0; k < f; k++) {
            out[k] = batch[k * n + s];
        }
    }

    /** Writes one sample's f values into a sample-minor array of n samples at position s. */
    static void scatter(double[] sample, int f, int n, int s, double[] batch) {
        for (int k = 0; k < f; k++) {
            batch[k * n + s] = sample[k];
        }
    }

    /** Fails when a parameter is not finite, naming the layer kind and the entry. */
    static void requireFinite(String kind, String what, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(kind + ": " + what + " entry " + i + " is " + values[i]
                        + ", expected a finite number");
            }
        }
    }
}
