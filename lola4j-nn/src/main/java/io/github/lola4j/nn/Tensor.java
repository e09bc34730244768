package io.github.lola4j.nn;

import java.util.Objects;

/**
 * An immutable tensor of doubles: a {@link Shape} and its elements, stored row-major (element
 * {@code (m, r, c)} of a {@code C x H x W} tensor at {@code m*H*W + r*W + c}).
 */
public final class Tensor {
    private final Shape shape;
    private final double[] data;

    private Tensor(Shape shape, double[] data) {
        this.shape = shape;
        this.data = data;
    }

    /**
     * Creates a tensor (the data is copied).
     *
     * @param shape its shape
     * @param data  {@code shape.size()} elements, row-major
     * @return the tensor
     * @throws IllegalArgumentException when the length does not match the shape
     */
    public static Tensor of(Shape shape, double[] data) {
        Objects.requireNonNull(shape, "shape");
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("Tensor: shape " + shape + " needs " + shape.size() + " elements, got "
                    + data.length);
        }
        return new Tensor(shape, data.clone());
    }

    /** Wraps an array this package will no longer modify. */
    static Tensor wrap(Shape shape, double[] data) {
        return new Tensor(shape, data);
    }

    /**
     * A tensor of zeros.
     *
     * @param shape its shape
     * @return the tensor
     */
    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new double[shape.size()]);
    }

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** The number of elements. */
    public int size() {
        return data.length;
    }

    /**
     * One element by flat (row-major) index.
     *
     * @param flatIndex the index, 0..size-1
     * @return the element
     */
    public double get(int flatIndex) {
        return data[flatIndex];
    }

    /**
     * One element of an image tensor {@code C x H x W}.
     *
     * @param m the channel
     * @param r the row
     * @param c the column
     * @return the element
     * @throws IllegalStateException     when the tensor is not of rank 3
     * @throws IndexOutOfBoundsException when an index is out of range
     */
    public double get(int m, int r, int c) {
        if (shape.rank() != 3) {
            throw new IllegalStateException("get(m, r, c) needs a rank-3 tensor, this one is " + shape);
        }
        if (m < 0 || m >= shape.dim(0) || r < 0 || r >= shape.dim(1) || c < 0 || c >= shape.dim(2)) {
            throw new IndexOutOfBoundsException("(" + m + ", " + r + ", " + c + ") outside " + shape);
        }
        return data[(m * shape.dim(1) + r) * shape.dim(2) + c];
    }

    /** A copy of the elements, row-major. */
    public double[] toArray() {
        return data.clone();
    }

    /** The elements without a copy, for this package's read-only use. */
    double[] dataNoCopy() {
        return data;
    }

    /** The index of the largest element (the first one on ties). */
    public int argmax() {
        return argmax(data);
    }

    /** The largest absolute value of an element. */
    public double maxAbs() {
        double m = 0;
        for (double v : data) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * The index of the largest entry (the first one on ties; NaN entries are never chosen).
     *
     * @param values the scores, at least one
     * @return the index
     * @throws IllegalArgumentException when {@code values} is empty
     */
    public static int argmax(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("argmax of an empty array");
        }
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best] || Double.isNaN(values[best])) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The largest entry minus the second largest: how far a prediction is from flipping.
     *
     * @param values the scores
     * @return the gap, NaN with fewer than two scores
     */
    public static double topTwoGap(double[] values) {
        if (values.length < 2) {
            return Double.NaN;
        }
        double first = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        return first - second;
    }

    @Override
    public String toString() {
        return "Tensor[" + shape + "]";
    }
}
