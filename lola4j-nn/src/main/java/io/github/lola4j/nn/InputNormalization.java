package io.github.lola4j.nn;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How a model turns raw pixels (0..255) into its input values: per channel {@code c}, pixel
 * {@code p} becomes {@code p * scale(c) + offset(c)}.
 *
 * <p>Two forms occur: a single pixel scale for every channel (MNIST models, {@code p/256}, LoLa's
 * choice) and a per-channel standardisation {@code (p - mean_c) / std_c} fitted on the training
 * set (CIFAR-10). The model file records it, and the client of an encrypted evaluation applies the
 * same one before encrypting, so plaintext and encrypted predictions see identical inputs. A
 * convolution's zero padding is zero in the <em>normalized</em> space, in plaintext and encrypted
 * alike. Instances are immutable.
 *
 * <p>Pixels come in as a data set's bytes ({@link #apply(LabeledImages, int)}) or as an array of
 * values whose range the caller states ({@link #apply(double[], Shape, double)}): 0..255
 * ({@link #BYTE_PIXELS}) or [0, 1] as {@code p / 255} ({@link #UNIT_PIXELS}, what PyTorch's
 * {@code ToTensor} and Keras' {@code x / 255} give). Either way the model's own map is applied, so
 * a caller never writes the scale by hand: an MNIST model takes {@code p / 256}, and [0, 1] pixels
 * fed as they are would be 255/256 of what it was trained on, 0.4 % off with no error.
 */
public final class InputNormalization {

    /** The most channels a normalization may describe. */
    public static final int MAX_CHANNELS = 255;

    /** The {@code pixelMax} of 8-bit pixel values 0..255, as image files and the data sets hold them. */
    public static final double BYTE_PIXELS = 255;

    /**
     * The {@code pixelMax} of pixels in [0, 1] as {@code p / 255}: PyTorch's {@code ToTensor},
     * Keras' {@code x / 255}.
     */
    public static final double UNIT_PIXELS = 1;

    private final double[] scale;
    private final double[] offset;

    private InputNormalization(double[] scale, double[] offset) {
        if (scale.length != offset.length || scale.length < 1 || scale.length > MAX_CHANNELS) {
            throw new IllegalArgumentException("input normalization: " + scale.length + " scales and " + offset.length
                    + " offsets, expected the same number in 1.." + MAX_CHANNELS);
        }
        for (int c = 0; c < scale.length; c++) {
            if (!(scale[c] > 0) || !Double.isFinite(scale[c])) {
                throw new IllegalArgumentException("input normalization: scale of channel " + c
                        + " must be finite and positive, got " + scale[c]);
            }
            if (!Double.isFinite(offset[c])) {
                throw new IllegalArgumentException("input normalization: offset of channel " + c + " must be finite, got "
                        + offset[c]);
            }
        }
        this.scale = scale;
        this.offset = offset;
    }

    /**
     * Every channel's pixels times one factor, no offset.
     *
     * @param scale the factor, finite and positive (MNIST models: 1/256)
     * @return the normalization
     * @throws IllegalArgumentException when {@code scale} is not finite and positive
     */
    public static InputNormalization pixelScale(double scale) {
        return new InputNormalization(new double[] {scale}, new double[] {0});
    }

    /**
     * Per-channel affine maps {@code p * scale[c] + offset[c]}.
     *
     * @param scale  one factor per channel, finite and positive
     * @param offset one offset per channel, finite
     * @return the normalization (the arrays are copied)
     * @throws IllegalArgumentException when the lengths differ or a value is out of range
     */
    public static InputNormalization affine(double[] scale, double[] offset) {
        return new InputNormalization(scale.clone(), offset.clone());
    }

    /**
     * Per-channel standardisation {@code (p - mean[c]) / std[c]}.
     *
     * @param mean the channels' mean pixel values (0..255 scale)
     * @param std  the channels' standard deviations, positive
     * @return the normalization
     * @throws IllegalArgumentException when the lengths differ or a deviation is not positive
     */
    public static InputNormalization standardize(double[] mean, double[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("input normalization: " + mean.length + " means and " + std.length
                    + " deviations");
        }
        double[] s = new double[mean.length];
        double[] o = new double[mean.length];
        for (int c = 0; c < mean.length; c++) {
            if (!(std[c] > 0) || !Double.isFinite(std[c]) || !Double.isFinite(mean[c])) {
                throw new IllegalArgumentException("input normalization: channel " + c + " has mean " + mean[c]
                        + " and deviation " + std[c] + ", expected finite values and a positive deviation");
            }
            s[c] = 1 / std[c];
            o[c] = -mean[c] / std[c];
        }
        return new InputNormalization(s, o);
    }

    /**
     * The per-channel standardisation of a training set: each channel's mean and (population)
     * standard deviation over every pixel of every image, computed exactly from a histogram.
     *
     * @param images the training images
     * @return the normalization, with as many channels as the images
     * @throws IllegalArgumentException when a channel is constant (its deviation is zero)
     */
    public static InputNormalization fit(LabeledImages images) {
        int ch = images.channels();
        int plane = images.rows() * images.cols();
        long[][] hist = new long[ch][256];
        byte[] px = images.pixels();
        for (int i = 0, k = 0; i < images.count(); i++) {
            for (int c = 0; c < ch; c++) {
                long[] h = hist[c];
                for (int e = 0; e < plane; e++) {
                    h[px[k++] & 0xff]++;
                }
            }
        }
        double[] mean = new double[ch];
        double[] std = new double[ch];
        for (int c = 0; c < ch; c++) {
            double n = 0;
            double sum = 0;
            for (int v = 0; v < 256; v++) {
                n += hist[c][v];
                sum += (double) v * hist[c][v];
            }
            mean[c] = sum / n;
            double var = 0;
            for (int v = 0; v < 256; v++) {
                double d = v - mean[c];
                var += d * d * hist[c][v];
            }
            std[c] = Math.sqrt(var / n);
            if (!(std[c] > 0)) {
                throw new IllegalArgumentException(images.name() + ": channel " + c + " is constant, cannot standardize");
            }
        }
        return standardize(mean, std);
    }

    /** The number of channels described: 1 means the one map applies to every channel. */
    public int channels() {
        return scale.length;
    }

    /**
     * The factor of one channel.
     *
     * @param c the channel (any channel when {@link #channels()} is 1)
     * @return the factor
     */
    public double scale(int c) {
        return scale[index(c)];
    }

    /**
     * The offset of one channel.
     *
     * @param c the channel (any channel when {@link #channels()} is 1)
     * @return the offset
     */
    public double offset(int c) {
        return offset[index(c)];
    }

    private int index(int c) {
        if (scale.length == 1) {
            return 0;
        }
        if (c < 0 || c >= scale.length) {
            throw new IndexOutOfBoundsException("channel " + c + " not in [0, " + scale.length + ")");
        }
        return c;
    }

    /** Whether this is a single pixel scale without offset (the MNIST models' form). */
    public boolean isPixelScale() {
        return scale.length == 1 && offset[0] == 0;
    }

    /**
     * Fails unless this normalization fits images of {@code channels} channels.
     *
     * @param channels the images' channel count
     * @param what     what is checked, for the message
     * @throws IllegalArgumentException when it describes another number of channels
     */
    public void requireChannels(int channels, String what) {
        if (scale.length != 1 && scale.length != channels) {
            throw new IllegalArgumentException(what + ": the input normalization describes " + scale.length
                    + " channels, the images have " + channels);
        }
    }

    /** The largest magnitude an input value can take (over pixels 0..255 and channels). */
    public double maxAbs() {
        double m = 0;
        for (int c = 0; c < scale.length; c++) {
            m = Math.max(m, Math.max(Math.abs(offset[c]), Math.abs(255 * scale[c] + offset[c])));
        }
        return m;
    }

    /**
     * Writes one image's normalized values into {@code out}.
     *
     * @param images the images
     * @param i      the image index
     * @param out    at least {@code images.imageSize()} long; the first that many entries are overwritten
     * @throws IllegalArgumentException  when the channel counts disagree
     * @throws IndexOutOfBoundsException when {@code i} is out of range or {@code out} too short
     */
    public void apply(LabeledImages images, int i, double[] out) {
        requireChannels(images.channels(), images.name());
        images.imageInto(i, 1.0, out);
        int plane = images.rows() * images.cols();
        for (int c = 0, k = 0; c < images.channels(); c++) {
            double s = scale(c);
            double o = offset(c);
            for (int e = 0; e < plane; e++, k++) {
                out[k] = out[k] * s + o;
            }
        }
    }

    /**
     * One image's normalized values.
     *
     * @param images the images
     * @param i      the image index
     * @return a new array of {@code images.imageSize()} values
     */
    public double[] apply(LabeledImages images, int i) {
        double[] out = new double[images.imageSize()];
        apply(images, i, out);
        return out;
    }

    /**
     * One image's normalized values from pixel values in a stated range: each value {@code v} in
     * [0, {@code pixelMax}] stands for the 8-bit pixel {@code p = v * (255 / pixelMax)}, which becomes
     * {@code p * scale(c) + offset(c)} as in {@link #apply(LabeledImages, int)}.
     *
     * <p>The results are bit for bit those of the {@link LabeledImages} path for 0..255 values with
     * {@link #BYTE_PIXELS} (the factor {@code 255 / 255} is exactly 1), and for {@code p / 255}
     * computed in {@code double} with {@link #UNIT_PIXELS} ({@code (p / 255) * 255} rounds back to
     * {@code p} exactly for every p in 0..255). Values that were rounded to {@code float} first
     * (a PyTorch tensor) carry that rounding, a relative 2<sup>-24</sup>; no map can undo it
     * without assuming the pixels were whole numbers.
     *
     * @param pixels   the image, channel-major ({@code c * rows * cols + r * cols + col}), as many
     *                 values as {@code shape} holds; not modified
     * @param shape    the network input's shape, {@code channels x rows x cols}
     * @param pixelMax the value that stands for a full pixel, 255: {@link #BYTE_PIXELS} for 0..255,
     *                 {@link #UNIT_PIXELS} for [0, 1]; finite and positive
     * @return a new array of {@code shape.size()} values
     * @throws IllegalArgumentException naming the parameter: when {@code pixelMax} is not finite and
     *                                  positive, {@code shape} is not of rank 3 or has channels this
     *                                  normalization does not describe, {@code pixels} has another
     *                                  length, or a value (named by its index) is not finite or lies
     *                                  outside [0, pixelMax]
     */
    public double[] apply(double[] pixels, Shape shape, double pixelMax) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(shape, "shape");
        if (!(pixelMax > 0) || !Double.isFinite(pixelMax)) {
            throw new IllegalArgumentException("pixelMax must be finite and positive (255 for pixels 0..255, 1 for [0, 1]),"
                    + " got " + pixelMax);
        }
        if (shape.rank() != 3) {
            throw new IllegalArgumentException("shape: " + shape + " is not an image shape (channels x rows x cols)");
        }
        int channels = shape.dim(0);
        requireChannels(channels, "shape " + shape);
        if (pixels.length != shape.size()) {
            throw new IllegalArgumentException("pixels: " + pixels.length + " values, the input " + shape + " takes "
                    + shape.size() + " (channels x rows x cols)");
        }
        double toByte = 255 / pixelMax; // exactly 1 for 0..255, so those pixels keep their bits
        int plane = pixels.length / channels;
        double[] out = new double[pixels.length];
        for (int c = 0, k = 0; c < channels; c++) {
            double s = scale(c);
            double o = offset(c);
            for (int e = 0; e < plane; e++, k++) {
                double v = pixels[k];
                if (!(v >= 0 && v <= pixelMax)) {
                    throw new IllegalArgumentException(outOfRange(k, v, pixelMax));
                }
                out[k] = v * toByte * s + o;
            }
        }
        return out;
    }

    private static String outOfRange(int k, double v, double pixelMax) {
        if (!Double.isFinite(v)) {
            return "pixels[" + k + "] is " + v + ", expected a finite value in [0, " + pixelMax + "]";
        }
        // the likely mix-up: 0..255 values stated as [0, 1]
        String hint = pixelMax < BYTE_PIXELS && v > pixelMax && v <= BYTE_PIXELS ? "; pixels of 0..255 take pixelMax 255" : "";
        return "pixels[" + k + "] = " + v + " is outside [0, " + pixelMax + "], the stated range" + hint;
    }

    /**
     * The scales, one per described channel.
     *
     * @return a copy
     */
    public double[] scales() {
        return scale.clone();
    }

    /**
     * The offsets, one per described channel.
     *
     * @return a copy
     */
    public double[] offsets() {
        return offset.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputNormalization n && Arrays.equals(scale, n.scale) && Arrays.equals(offset, n.offset);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(scale) + Arrays.hashCode(offset);
    }

    /** {@code pixel scale 0.00390625}, or {@code (p - mean) / std per channel: ...}. */
    @Override
    public String toString() {
        if (isPixelScale()) {
            return "pixel scale " + scale[0];
        }
        StringBuilder sb = new StringBuilder("(p - mean) / std per channel:");
        for (int c = 0; c < scale.length; c++) {
            sb.append(String.format(Locale.ROOT, "%s %.3f / %.3f", c == 0 ? "" : ";", -offset[c] / scale[c], 1 / scale[c]));
        }
        return sb.toString();
    }
}
