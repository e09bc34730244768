package io.github.lola4j.nn;

import java.util.Arrays;

/**
 * The sizes of a tensor, outermost first: {@code C x H x W} for images, {@code n} for vectors.
 * Immutable; every size is positive.
 */
public final class Shape {
    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        this.dims = dims;
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        this.size = (int) n;
    }

    /**
     * Creates a shape.
     *
     * @param dims the sizes, outermost first; at least one, each positive, product below 2^31
     * @return the shape
     * @throws IllegalArgumentException when a size is not positive, none is given or the product overflows
     */
    public static Shape of(int... dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("Shape: at least one dimension is needed");
        }
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] <= 0) {
                throw new IllegalArgumentException("Shape: dimension " + i + " is " + dims[i] + ", expected > 0 (in "
                        + Arrays.toString(dims) + ")");
            }
            n *= dims[i];
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Shape: " + Arrays.toString(dims) + " has more than 2^31 elements");
            }
        }
        return new Shape(dims.clone());
    }

    /** The number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /**
     * One size.
     *
     * @param i the dimension, 0 = outermost
     * @return its size
     * @throws IndexOutOfBoundsException when {@code i} is not in [0, rank)
     */
    public int dim(int i) {
        return dims[i];
    }

    /** A copy of the sizes. */
    public int[] dims() {
        return dims.clone();
    }

    /** The number of elements (product of the sizes). */
    public int size() {
        return size;
    }

    /** Whether this is an image shape {@code C x H x W}. */
    public boolean isImage() {
        return dims.length == 3;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** The sizes joined by {@code x}, e.g. {@code 5x13x13}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append('x');
            }
            sb.append(dims[i]);
        }
        return sb.toString();
    }
}
