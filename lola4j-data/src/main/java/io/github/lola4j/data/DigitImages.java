package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns a user's picture of a digit (PNG, or anything {@code javax.imageio} reads: JPEG, GIF, BMP;
 * any size, any colour model) into an MNIST-style greyscale image: a light digit on a black
 * background, one unsigned byte 0..255 per pixel, row-major.
 *
 * <p>The rules, in order:
 * <ol>
 * <li><b>Grey.</b> Each pixel becomes {@code 0.299 R + 0.587 G + 0.114 B} (sRGB components
 * 0..255). A translucent pixel is first composited over white, weighted by its alpha, so a dark
 * digit on a transparent background reads as a dark digit on white. Greyscale images (8 or 16 bits,
 * with or without alpha) are read from their raw samples, which keeps an 8-bit grey PNG exact.
 * <li><b>Polarity.</b> MNIST is light on dark. If the mean of the outermost ring of pixels is above
 * 127.5, every value becomes {@code 255 - v}.
 * <li><b>Right size already.</b> An image that is already {@code rows x cols} is returned after
 * steps 1 and 2 only, so an MNIST image saved as a grey PNG round-trips byte for byte.
 * <li><b>MNIST's own normalisation</b>, otherwise: the bounding box of the pixels above
 * {@code max(10% of the maximum, 10)} is cut out (no pixel above it, i.e. a blank image: all
 * zeros); it is scaled, keeping its aspect ratio, so that its longer side is
 * {@code round(20/28 * min(rows, cols))} pixels (20 for 28x28), by area averaging (each output
 * pixel is the mean of its exact source footprint, fractional at the edges); and it is placed so
 * that its centre of mass, in pixel indices, lands on {@code (rows/2.0, cols/2.0)} (row 14, column 14
 * for 28x28, where MNIST's digits have theirs), rounded to whole pixels and clamped so the box
 * stays inside.
 * Values are rounded to the nearest integer and clamped to 0..255.
 * </ol>
 *
 * <p>Only the first image of a multi-image file (an animated GIF) is used. A truncated JPEG may
 * decode partially instead of failing, since ImageIO's JPEG reader only warns. Images with a side over
 * {@value #MAX_IMAGE_SIDE} pixels are refused before decoding, and output sizes over
 * {@value #MAX_OUTPUT_SIDE}.
 */
public final class DigitImages {

    /** The largest accepted side of an input image, in pixels. */
    public static final int MAX_IMAGE_SIDE = 16384;

    /** The largest accepted {@code rows} or {@code cols} of the output. */
    public static final int MAX_OUTPUT_SIDE = 4096;

    /** The number of classes of the sets built by {@link #asLabeledImages}. */
    public static final int CLASSES = 10;

    /** Pixels at or below this (after inversion) never count as ink, whatever the maximum. */
    private static final double MIN_INK = 10.0;

    /** The ink threshold as a fraction of the brightest pixel. */
    private static final double INK_FRACTION = 0.1;

    private DigitImages() {
    }

    /**
     * Reads an image file and converts it by the rules of the class description.
     *
     * @param file the image (PNG, JPEG, GIF, BMP, or any other format ImageIO has a reader for)
     * @param rows the output height, 1..{@value #MAX_OUTPUT_SIDE}
     * @param cols the output width, 1..{@value #MAX_OUTPUT_SIDE}
     * @return {@code rows*cols} unsigned pixels (mask with {@code 0xff}), row-major, light on dark
     * @throws IOException              when the file cannot be opened or decoded; the message names
     *                                  the file ({@code "not an image ImageIO can read: <file>"}
     *                                  when no reader recognises it)
     * @throws IllegalArgumentException when {@code rows} or {@code cols} is out of range, or the
     *                                  image has a side over {@value #MAX_IMAGE_SIDE} pixels
     */
    public static byte[] read(Path file, int rows, int cols) throws IOException {
        Objects.requireNonNull(file, "file");
        checkOutputSize(rows, cols);
        return convert(decode(file), rows, cols);
    }

    /**
     * Decodes the first image of a file, refusing one with a side over {@value #MAX_IMAGE_SIDE}
     * pixels before decoding it ({@link ColourImages} reads image files the same way).
     *
     * @param file the image file
     * @return the decoded image
     * @throws IOException              when the file cannot be opened or decoded, naming it
     * @throws IllegalArgumentException when the image has a side over {@value #MAX_IMAGE_SIDE} pixels
     */
    static BufferedImage decode(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            try (ImageInputStream iis = new MemoryCacheImageInputStream(in)) {
                return decode(iis, file);
            }
        }
    }

    private static BufferedImage decode(ImageInputStream iis, Path file) throws IOException {
        Iterator<ImageReader> readers;
        try {
            readers = ImageIO.getImageReaders(iis);
        } catch (RuntimeException e) {
            throw unreadable(file, e);
        }
        if (!readers.hasNext()) {
            throw new IOException("not an image ImageIO can read: " + file);
        }
        ImageReader reader = readers.next();
        try {
            int width;
            int height;
            try {
                reader.setInput(iis, true, true);
                width = reader.getWidth(0);
                height = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw unreadable(file, e);
            }
            checkImageSize(width, height, file.toString());
            BufferedImage image;
            try {
                image = reader.read(0);
            } catch (IOException | RuntimeException e) {
                throw unreadable(file, e);
            }
            if (image == null) {
                throw new IOException("not an image ImageIO can read: " + file);
            }
            return image;
        } finally {
            reader.dispose();
        }
    }

    private static IOException unreadable(Path file, Exception e) {
        return new IOException("cannot read image " + file + ": " + e, e);
    }

    /**
     * Converts an image already in memory by the rules of the class description.
     *
     * @param image the image, any size up to {@value #MAX_IMAGE_SIDE} per side, any colour model
     * @param rows  the output height, 1..{@value #MAX_OUTPUT_SIDE}
     * @param cols  the output width, 1..{@value #MAX_OUTPUT_SIDE}
     * @return {@code rows*cols} unsigned pixels (mask with {@code 0xff}), row-major, light on dark
     * @throws IllegalArgumentException when {@code rows} or {@code cols} is out of range, or the
     *                                  image has a side over {@value #MAX_IMAGE_SIDE} pixels
     */
    public static byte[] convert(BufferedImage image, int rows, int cols) {
        Objects.requireNonNull(image, "image");
        checkOutputSize(rows, cols);
        int w = image.getWidth();
        int h = image.getHeight();
        checkImageSize(w, h, "image");
        float[] grey = grey(image);
        if (borderMean(grey, w, h) > 127.5) {
            for (int k = 0; k < grey.length; k++) {
                grey[k] = 255f - grey[k];
            }
        }
        if (w == cols && h == rows) {
            return toBytes(grey);
        }
        return normalise(grey, w, h, rows, cols);
    }

    /**
     * What makes a converted image a poor digit, for a warning before it is classified: a network
     * gives a class to anything, and a blank page came back as a confident "1".
     *
     * <p>Ink is what {@link #convert} counts as ink when it centres a digit (a tenth of the
     * brightest pixel, at least {@value #MIN_INK}). MNIST digits cover 5 to 40 % of the image with
     * ink; an image with none is blank, and one mostly ink is a filled shape or a photograph.
     *
     * @param pixels {@code rows*cols} unsigned pixels, light on dark, as {@link #read} returns them
     * @param rows   the image height
     * @param cols   the image width
     * @return what is wrong, in a sentence, or empty when it looks like a digit
     * @throws IllegalArgumentException when {@code pixels} does not hold {@code rows*cols} values
     */
    public static java.util.Optional<String> doubts(byte[] pixels, int rows, int cols) {
        Objects.requireNonNull(pixels, "pixels");
        if (rows <= 0 || cols <= 0 || pixels.length != (long) rows * cols) {
            throw new IllegalArgumentException("pixels: expected " + rows + " x " + cols + " values, got " + pixels.length);
        }
        int max = 0;
        for (byte b : pixels) {
            max = Math.max(max, b & 0xff);
        }
        double threshold = Math.max(MIN_INK, INK_FRACTION * max);
        int ink = 0;
        for (byte b : pixels) {
            if ((b & 0xff) > threshold) {
                ink++;
            }
        }
        double share = ink / (double) pixels.length;
        if (ink == 0) {
            return java.util.Optional.of("the image is blank (no strokes): any prediction is a guess");
        }
        if (share > 0.6) {
            return java.util.Optional.of(String.format(java.util.Locale.ROOT, "%.0f %% of the image is ink after"
                    + " conversion: it looks like a filled shape or a photograph, not a digit, so the prediction may"
                    + " mean little", 100 * share));
        }
        if (ink < 4) {
            return java.util.Optional.of("the image has only " + ink + " ink pixel" + (ink > 1 ? "s" : "") + " after conversion:"
                    + " too little to be a digit, so the prediction may mean little");
        }
        return java.util.Optional.empty();
    }

    /**
     * Wraps one converted image as a one-image set, so a caller can reuse the code that feeds data
     * sets to a network (e.g. {@code Network.input(images, 0)}).
     *
     * @param name   the set's name, typically the file name
     * @param pixels {@code rows*cols} unsigned pixels, as returned by {@link #read} (copied)
     * @param rows   the image height
     * @param cols   the image width
     * @param label  the true digit 0..9, or 0 when unknown
     * @return a set of one image with {@value #CLASSES} classes
     * @throws IllegalArgumentException when {@code label} is not 0..9, a size is not positive or
     *                                  {@code pixels} does not hold {@code rows*cols} values
     */
    public static LabeledImages asLabeledImages(String name, byte[] pixels, int rows, int cols, int label) {
        Objects.requireNonNull(pixels, "pixels");
        if (label < 0 || label >= CLASSES) {
            throw new IllegalArgumentException("label = " + label + ", expected 0.." + (CLASSES - 1));
        }
        return LabeledImages.of(name, rows, cols, CLASSES, pixels, new byte[] {(byte) label});
    }

    static void checkOutputSize(int rows, int cols) {
        if (rows < 1 || rows > MAX_OUTPUT_SIDE) {
            throw new IllegalArgumentException("rows = " + rows + ", expected 1.." + MAX_OUTPUT_SIDE);
        }
        if (cols < 1 || cols > MAX_OUTPUT_SIDE) {
            throw new IllegalArgumentException("cols = " + cols + ", expected 1.." + MAX_OUTPUT_SIDE);
        }
    }

    static void checkImageSize(int width, int height, String what) {
        if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
            throw new IllegalArgumentException(what + " is " + width + "x" + height
                    + " pixels; sides of 1.." + MAX_IMAGE_SIDE + " are accepted");
        }
    }

    /** Step 1: luminance, alpha composited over white; one float per pixel, row-major. */
    private static float[] grey(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        float[] out = new float[w * h];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int type = raster.getTransferType();
        boolean rawGrey = cm instanceof ComponentColorModel
                && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && cm.getNumColorComponents() == 1
                && raster.getNumBands() == cm.getNumComponents()
                && (type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT);
        if (rawGrey) {
            // Raw samples: ColorModel.getRGB would treat CS_GRAY as linear and brighten it.
            double greyMax = (1 << cm.getComponentSize(0)) - 1;
            boolean alpha = cm.hasAlpha();
            double alphaMax = alpha ? (1 << cm.getComponentSize(1)) - 1 : 1;
            boolean premultiplied = cm.isAlphaPremultiplied();
            int[] g = new int[w];
            int[] a = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, g);
                if (alpha) {
                    raster.getSamples(0, y, w, 1, 1, a);
                }
                for (int x = 0; x < w; x++) {
                    double v = g[x] * 255.0 / greyMax;
                    if (alpha) {
                        double af = a[x] / alphaMax;
                        v = (premultiplied ? v : af * v) + (1 - af) * 255.0;
                    }
                    out[y * w + x] = (float) v;
                }
            }
        } else {
            int[] argb = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, argb, 0, w); // sRGB, not premultiplied
                for (int x = 0; x < w; x++) {
                    int p = argb[x];
                    double af = (p >>> 24) / 255.0;
                    double lum = 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
                    out[y * w + x] = (float) (af * lum + (1 - af) * 255.0);
                }
            }
        }
        return out;
    }

    /** Step 2's test: the mean of the outermost ring of pixels (all pixels when a side is 1 or 2). */
    private static double borderMean(float[] grey, int w, int h) {
        double sum = 0;
        long n = 0;
        for (int y = 0; y < h; y++) {
            if (y == 0 || y == h - 1) {
                for (int x = 0; x < w; x++) {
                    sum += grey[y * w + x];
                }
                n += w;
            } else {
                sum += grey[y * w];
                n++;
                if (w > 1) {
                    sum += grey[y * w + w - 1];
                    n++;
                }
            }
        }
        return sum / n;
    }

    private static byte[] toBytes(float[] values) {
        byte[] out = new byte[values.length];
        for (int k = 0; k < values.length; k++) {
            out[k] = (byte) clampRound(values[k]);
        }
        return out;
    }

    private static int clampRound(double v) {
        long r = Math.round(v);
        return (int) Math.max(0, Math.min(255, r));
    }

    /** Step 4: crop to the ink, area-average to the target box, centre by mass. */
    private static byte[] normalise(float[] grey, int w, int h, int rows, int cols) {
        byte[] out = new byte[rows * cols];
        double max = 0;
        for (float v : grey) {
            max = Math.max(max, v);
        }
        double threshold = Math.max(INK_FRACTION * max, MIN_INK);
        int x0 = w;
        int y0 = h;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (grey[y * w + x] > threshold) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x1 < 0) {
            return out; // blank
        }
        int bw = x1 - x0 + 1;
        int bh = y1 - y0 + 1;
        int side = Math.max(1, (int) Math.round(20.0 / 28.0 * Math.min(rows, cols)));
        int tw;
        int th;
        if (bw >= bh) {
            tw = side;
            th = (int) Math.max(1, Math.min(side, Math.round((double) bh * side / bw)));
        } else {
            th = side;
            tw = (int) Math.max(1, Math.min(side, Math.round((double) bw * side / bh)));
        }

        // Horizontal pass: bh source rows x tw target columns.
        double[] across = new double[bh * tw];
        for (int tx = 0; tx < tw; tx++) {
            double start = (double) tx * bw / tw;
            double end = (double) (tx + 1) * bw / tw;
            int first = (int) Math.floor(start);
            int last = Math.min(bw - 1, (int) Math.ceil(end) - 1);
            for (int sy = 0; sy < bh; sy++) {
                int row = (y0 + sy) * w + x0;
                double sum = 0;
                double weights = 0;
                for (int sx = first; sx <= last; sx++) {
                    double wgt = Math.min(end, sx + 1) - Math.max(start, sx);
                    if (wgt > 0) {
                        sum += wgt * grey[row + sx];
                        weights += wgt;
                    }
                }
                across[sy * tw + tx] = weights > 0 ? sum / weights : 0;
            }
        }
        // Vertical pass: th target rows x tw target columns.
        double[] box = new double[th * tw];
        for (int ty = 0; ty < th; ty++) {
            double start = (double) ty * bh / th;
            double end = (double) (ty + 1) * bh / th;
            int first = (int) Math.floor(start);
            int last = Math.min(bh - 1, (int) Math.ceil(end) - 1);
            for (int tx = 0; tx < tw; tx++) {
                double sum = 0;
                double weights = 0;
                for (int sy = first; sy <= last; sy++) {
                    double wgt = Math.min(end, sy + 1) - Math.max(start, sy);
                    if (wgt > 0) {
                        sum += wgt * across[sy * tw + tx];
                        weights += wgt;
                    }
                }
                box[ty * tw + tx] = weights > 0 ? sum / weights : 0;
            }
        }

        // Centre of mass of the scaled box, in pixel indices (MNIST's convention: its digits'
        // centres of mass sit at index 14 of 28, i.e. just below and right of the geometric middle).
        double mass = 0;
        double my = 0;
        double mx = 0;
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                double v = box[ty * tw + tx];
                mass += v;
                my += v * ty;
                mx += v * tx;
            }
        }
        double cy = mass > 0 ? my / mass : (th - 1) / 2.0;
        double cx = mass > 0 ? mx / mass : (tw - 1) / 2.0;
        int oy = clamp((int) Math.round(rows / 2.0 - cy), 0, rows - th);
        int ox = clamp((int) Math.round(cols / 2.0 - cx), 0, cols - tw);
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                out[(oy + ty) * cols + ox + tx] = (byte) clampRound(box[ty * tw + tx]);
            }
        }
        return out;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
