package io.github.lola4j.data;

import java.util.Arrays;

/**
 * A set of greyscale images with their class labels, kept as raw bytes.
 *
 * <p>Image {@code i} occupies bytes {@code [i*rows*cols, (i+1)*rows*cols)}, row-major, each an
 * unsigned pixel 0..255 (MNIST: 0 = background). Labels are 0..{@code classes-1}. Instances are
 * immutable; accessors return copies or single values.
 */
public final class LabeledImages {
    private final String name;
    private final int count;
    private final int rows;
    private final int cols;
    private final int classes;
    private final byte[] pixels;
    private final byte[] labels;

    private LabeledImages(String name, int count, int rows, int cols, int classes, byte[] pixels, byte[] labels) {
        this.name = name;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.classes = classes;
        this.pixels = pixels;
        this.labels = labels;
    }

    /**
     * Pairs an images file (3 dimensions: count, rows, columns) with a labels file (1 dimension).
     *
     * @param name    a name for messages, e.g. {@code "mnist test"}
     * @param images  the images
     * @param labels  the labels
     * @param classes the number of classes; every label must be below it
     * @return the set
     * @throws IllegalArgumentException when the shapes disagree or a label is out of range (the
     *                                  message names the first bad label's index)
     */
    public static LabeledImages of(String name, IdxArray images, IdxArray labels, int classes) {
        if (images.rank() != 3) {
            throw new IllegalArgumentException(name + ": images must have 3 dimensions (count, rows, columns), got "
                    + images);
        }
        if (labels.rank() != 1) {
            throw new IllegalArgumentException(name + ": labels must have 1 dimension, got " + labels);
        }
        if (images.dim(0) != labels.dim(0)) {
            throw new IllegalArgumentException(name + ": " + images.dim(0) + " images but " + labels.dim(0) + " labels");
        }
        return of(name, images.dim(1), images.dim(2), classes, images.dataNoCopy(), labels.dataNoCopy(), false);
    }

    /**
     * Creates a set from raw arrays (copied).
     *
     * @param name    a name for messages
     * @param rows    image height
     * @param cols    image width
     * @param classes the number of classes
     * @param pixels  {@code count*rows*cols} unsigned pixels, image after image, row-major
     * @param labels  {@code count} labels in [0, classes)
     * @return the set
     * @throws IllegalArgumentException when a size is not positive, the lengths disagree or a
     *                                  label is out of range
     */
    public static LabeledImages of(String name, int rows, int cols, int classes, byte[] pixels, byte[] labels) {
        return of(name, rows, cols, classes, pixels, labels, true);
    }

    private static LabeledImages of(String name, int rows, int cols, int classes, byte[] pixels, byte[] labels,
            boolean copy) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(name + ": image size " + rows + "x" + cols + " must be positive");
        }
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException(name + ": classes = " + classes + ", expected 1..256");
        }
        int count = labels.length;
        if (count == 0) {
            throw new IllegalArgumentException(name + ": no images");
        }
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException(name + ": " + count + " labels need " + ((long) count * rows * cols)
                    + " pixels of " + rows + "x" + cols + " images, got " + pixels.length);
        }
        for (int i = 0; i < count; i++) {
            int l = labels[i] & 0xff;
            if (l >= classes) {
                throw new IllegalArgumentException(name + ": label " + i + " is " + l + ", expected 0.." + (classes - 1));
            }
        }
        return new LabeledImages(name, count, rows, cols, classes,
                copy ? pixels.clone() : pixels, copy ? labels.clone() : labels);
    }

    /** The set's name, for messages. */
    public String name() {
        return name;
    }

    /** The number of images. */
    public int count() {
        return count;
    }

    /** Image height in pixels. */
    public int rows() {
        return rows;
    }

    /** Image width in pixels. */
    public int cols() {
        return cols;
    }

    /** The number of classes. */
    public int classes() {
        return classes;
    }

    /** Pixels per image ({@code rows*cols}). */
    public int imageSize() {
        return rows * cols;
    }

    /**
     * One image's label.
     *
     * @param i the image index
     * @return its label, 0..classes-1
     * @throws IndexOutOfBoundsException when {@code i} is not in [0, count)
     */
    public int label(int i) {
        return labels[i] & 0xff;
    }

    /**
     * One pixel.
     *
     * @param i the image index
     * @param r the row
     * @param c the column
     * @return the unsigned pixel, 0..255
     * @throws IndexOutOfBoundsException when an index is out of range
     */
    public int pixel(int i, int r, int c) {
        if (i < 0 || i >= count || r < 0 || r >= rows || c < 0 || c >= cols) {
            throw new IndexOutOfBoundsException("pixel(" + i + ", " + r + ", " + c + ") outside " + count + "x" + rows
                    + "x" + cols);
        }
        return pixels[(i * rows + r) * cols + c] & 0xff;
    }

    /**
     * One image's pixels multiplied by {@code scale}, row-major.
     *
     * @param i     the image index
     * @param scale the factor, e.g. {@code 1.0/256}
     * @return a new array of {@code rows*cols} values
     * @throws IndexOutOfBoundsException when {@code i} is not in [0, count)
     */
    public double[] image(int i, double scale) {
        double[] out = new double[rows * cols];
        imageInto(i, scale, out);
        return out;
    }

    /**
     * Writes one image's pixels multiplied by {@code scale} into {@code out} (modified).
     *
     * @param i     the image index
     * @param scale the factor
     * @param out   at least {@code rows*cols} long; its first {@code rows*cols} entries are overwritten
     * @throws IndexOutOfBoundsException when {@code i} is out of range or {@code out} is too short
     */
    public void imageInto(int i, double scale, double[] out) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("image " + i + " not in [0, " + count + ")");
        }
        int n = rows * cols;
        if (out.length < n) {
            throw new IndexOutOfBoundsException("out has " + out.length + " entries, need " + n);
        }
        int base = i * n;
        for (int k = 0; k < n; k++) {
            out[k] = (pixels[base + k] & 0xff) * scale;
        }
    }

    /**
     * One image's raw pixels.
     *
     * @param i the image index
     * @return a new array of {@code rows*cols} bytes (unsigned values; mask with {@code 0xff})
     */
    public byte[] rawImage(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("image " + i + " not in [0, " + count + ")");
        }
        int n = rows * cols;
        return Arrays.copyOfRange(pixels, i * n, (i + 1) * n);
    }

    /** A copy of all pixels, image after image. */
    public byte[] pixels() {
        return pixels.clone();
    }

    /** A copy of all labels. */
    public byte[] labels() {
        return labels.clone();
    }

    /**
     * The images {@code [from, to)} as a new set.
     *
     * @param from first index, inclusive
     * @param to   last index, exclusive
     * @return the subset, named after this set
     * @throws IllegalArgumentException when the range is empty or outside [0, count]
     */
    public LabeledImages subset(int from, int to) {
        if (from < 0 || to > count || from >= to) {
            throw new IllegalArgumentException(name + ": subset [" + from + ", " + to + ") not a non-empty range in [0, "
                    + count + "]");
        }
        int n = rows * cols;
        return new LabeledImages(name + "[" + from + ":" + to + "]", to - from, rows, cols, classes,
                Arrays.copyOfRange(pixels, from * n, to * n), Arrays.copyOfRange(labels, from, to));
    }

    /** The images as an IDX array (count, rows, cols). */
    public IdxArray imagesIdx() {
        return IdxArray.of(new int[] {count, rows, cols}, pixels);
    }

    /** The labels as an IDX array (count). */
    public IdxArray labelsIdx() {
        return IdxArray.of(new int[] {count}, labels);
    }

    @Override
    public String toString() {
        return name + " (" + count + " images " + rows + "x" + cols + ", " + classes + " classes)";
    }
}
