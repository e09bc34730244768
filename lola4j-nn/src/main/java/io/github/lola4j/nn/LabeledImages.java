package io.github.lola4j.nn;

import java.util.Arrays;

/**
 * A set of images with their class labels, kept as raw bytes: greyscale (MNIST, one channel) or
 * colour (CIFAR-10, three channels).
 *
 * <p>Image {@code i} occupies bytes {@code [i*size, (i+1)*size)} with {@code size =
 * channels*rows*cols}, channel after channel, each channel row-major (the layout of CIFAR-10's
 * records and of the networks' {@code channels x rows x cols} inputs), each an unsigned pixel 0..255
 * (MNIST: 0 = background). Labels are 0..{@code classes-1}. Instances are immutable; accessors
 * return copies or single values.
 */
public final class LabeledImages {
    private final String name;
    private final int count;
    private final int channels;
    private final int rows;
    private final int cols;
    private final int classes;
    private final byte[] pixels;
    private final byte[] labels;

    private LabeledImages(String name, int count, int channels, int rows, int cols, int classes, byte[] pixels,
            byte[] labels) {
        this.name = name;
        this.count = count;
        this.channels = channels;
        this.rows = rows;
        this.cols = cols;
        this.classes = classes;
        this.pixels = pixels;
        this.labels = labels;
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
        return of(name, 1, rows, cols, classes, pixels, labels);
    }

    /**
     * Creates a set of multi-channel images from raw arrays (copied).
     *
     * @param name     a name for messages
     * @param channels channels per image (3 for RGB)
     * @param rows     image height
     * @param cols     image width
     * @param classes  the number of classes
     * @param pixels   {@code count*channels*rows*cols} unsigned pixels, image after image, each image
     *                 channel after channel, each channel row-major
     * @param labels   {@code count} labels in [0, classes)
     * @return the set
     * @throws IllegalArgumentException when a size is not positive, the lengths disagree or a
     *                                  label is out of range
     */
    public static LabeledImages of(String name, int channels, int rows, int cols, int classes, byte[] pixels,
            byte[] labels) {
        if (channels <= 0 || channels > 255 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(name + ": image size " + channels + "x" + rows + "x" + cols
                    + " must be positive (at most 255 channels)");
        }
        if ((long) channels * rows * cols > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException(name + ": image size " + channels + "x" + rows + "x" + cols + " too large");
        }
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException(name + ": classes = " + classes + ", expected 1..256");
        }
        int count = labels.length;
        if (count == 0) {
            throw new IllegalArgumentException(name + ": no images");
        }
        long size = (long) channels * rows * cols;
        if (count * size != pixels.length) {
            throw new IllegalArgumentException(name + ": " + count + " labels need " + (count * size) + " pixels of "
                    + shapeText(channels, rows, cols) + " images, got " + pixels.length);
        }
        for (int i = 0; i < count; i++) {
            int l = labels[i] & 0xff;
            if (l >= classes) {
                throw new IllegalArgumentException(name + ": label " + i + " is " + l + ", expected 0.." + (classes - 1));
            }
        }
        return new LabeledImages(name, count, channels, rows, cols, classes,
                pixels.clone(), labels.clone());
    }

    private static String shapeText(int channels, int rows, int cols) {
        return (channels == 1 ? "" : channels + "x") + rows + "x" + cols;
    }

    /** The set's name, for messages. */
    public String name() {
        return name;
    }

    /** The number of images. */
    public int count() {
        return count;
    }

    /** Channels per image: 1 for greyscale, 3 for RGB. */
    public int channels() {
        return channels;
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

    /** Values per image ({@code channels*rows*cols}). */
    public int imageSize() {
        return channels * rows * cols;
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
        return pixel(i, 0, r, c);
    }

    /**
     * One pixel of one channel.
     *
     * @param i  the image index
     * @param ch the channel
     * @param r  the row
     * @param c  the column
     * @return the unsigned pixel, 0..255
     * @throws IndexOutOfBoundsException when an index is out of range
     */
    public int pixel(int i, int ch, int r, int c) {
        if (i < 0 || i >= count || ch < 0 || ch >= channels || r < 0 || r >= rows || c < 0 || c >= cols) {
            throw new IndexOutOfBoundsException("pixel(" + i + ", " + ch + ", " + r + ", " + c + ") outside " + count
                    + "x" + channels + "x" + rows + "x" + cols);
        }
        return pixels[((i * channels + ch) * rows + r) * cols + c] & 0xff;
    }

    /**
     * One image's pixels multiplied by {@code scale}, row-major.
     *
     * @param i     the image index
     * @param scale the factor, e.g. {@code 1.0/256}
     * @return a new array of {@link #imageSize()} values
     * @throws IndexOutOfBoundsException when {@code i} is not in [0, count)
     */
    public double[] image(int i, double scale) {
        double[] out = new double[imageSize()];
        imageInto(i, scale, out);
        return out;
    }

    /**
     * Writes one image's pixels multiplied by {@code scale} into {@code out} (modified).
     *
     * @param i     the image index
     * @param scale the factor
     * @param out   at least {@link #imageSize()} long; its first {@link #imageSize()} entries are overwritten
     * @throws IndexOutOfBoundsException when {@code i} is out of range or {@code out} is too short
     */
    public void imageInto(int i, double scale, double[] out) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("image " + i + " not in [0, " + count + ")");
        }
        int n = imageSize();
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
     * @return a new array of {@link #imageSize()} bytes (unsigned values; mask with {@code 0xff})
     */
    public byte[] rawImage(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("image " + i + " not in [0, " + count + ")");
        }
        int n = imageSize();
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
        int n = imageSize();
        return new LabeledImages(name + "[" + from + ":" + to + "]", to - from, channels, rows, cols, classes,
                Arrays.copyOfRange(pixels, from * n, to * n), Arrays.copyOfRange(labels, from, to));
    }

    @Override
    public String toString() {
        return name + " (" + count + " images " + shapeText(channels, rows, cols) + ", " + classes + " classes)";
    }
}
