package io.github.lola4j.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Turns a colour picture (PNG, or anything {@code javax.imageio} reads: JPEG, GIF, BMP; any size)
 * into a colour model's input: three planes of unsigned bytes 0..255, red, then green, then blue,
 * each row-major: the {@code 3 x rows x cols} channel-major layout of CIFAR-10's records and of
 * {@link io.github.lola4j.nn.LabeledImages}.
 *
 * <p>The rules, in order:
 * <ol>
 * <li><b>Colour only.</b> A greyscale file (a grey colour space, or a palette of greys only) is
 * refused: a colour model fed one is most likely fed the wrong picture (an MNIST digit), and
 * converting it would hide that. Convert it to RGB first if grey is what the model should see.
 * <li><b>sRGB.</b> Each pixel's sRGB components 0..255 (as {@link BufferedImage#getRGB} gives
 * them, whatever the file's bit depth or palette); a translucent pixel is composited over white,
 * weighted by its alpha, as {@link DigitImages} does.
 * <li><b>Right size already.</b> An image that is already {@code cols} wide and {@code rows} high
 * is returned as it is, so a CIFAR-10 image saved as a PNG round-trips byte for byte.
 * <li><b>Otherwise resized, keeping the aspect ratio</b>: scaled so that it covers
 * {@code rows x cols} (the binding side becomes exactly {@code cols} or {@code rows}, the other
 * {@code round(side * scale)}, half to even), with Pillow's bilinear filter ({@code PillowBilinear},
 * as {@link Caltech101#preprocess} resizes), then its centre {@code rows x cols} is cut out
 * (offset {@code (side - crop) / 2}, rounded down): the usual {@code Resize} then
 * {@code CenterCrop} of image classifiers' test preprocessing (torchvision's may differ by a pixel
 * in the longer side's rounding and the crop's offset). As {@link DigitImages}, any size is
 * accepted and the aspect ratio kept; unlike it nothing is inverted, cropped to ink or centred by
 * mass: those are MNIST's rules for digits, not for photos.
 * </ol>
 *
 * <p>Only the first image of a multi-image file is used. Images with a side over
 * {@value DigitImages#MAX_IMAGE_SIDE} pixels are refused before decoding, and output sizes over
 * {@value DigitImages#MAX_OUTPUT_SIDE}.
 */
public final class ColourImages {

    /** The channels of the output: red, green, blue. */
    public static final int CHANNELS = 3;

    private ColourImages() {
    }

    /**
     * Reads an image file and converts it by the rules of the class description.
     *
     * @param file the image (PNG, JPEG, GIF, BMP, or any other format ImageIO has a reader for)
     * @param rows the output height, 1..{@value DigitImages#MAX_OUTPUT_SIDE}
     * @param cols the output width, 1..{@value DigitImages#MAX_OUTPUT_SIDE}
     * @return {@code 3*rows*cols} unsigned bytes (mask with {@code 0xff}): the R plane, then G, then B
     * @throws IOException              when the file cannot be opened or decoded, or is a greyscale
     *                                  image; the message names the file
     * @throws IllegalArgumentException when {@code rows} or {@code cols} is out of range, or the
     *                                  image has a side over {@value DigitImages#MAX_IMAGE_SIDE} pixels
     */
    public static byte[] read(Path file, int rows, int cols) throws IOException {
        Objects.requireNonNull(file, "file");
        DigitImages.checkOutputSize(rows, cols);
        BufferedImage image = DigitImages.decode(file);
        String grey = greyness(image);
        if (grey != null) {
            throw new IOException(file + ": a greyscale image (" + grey + "); a colour model takes " + CHANNELS + " x " + rows
                    + " x " + cols + " colour images (R, G, B): convert it to RGB first if grey is what it should see");
        }
        return convert(image, rows, cols);
    }

    /**
     * Whether an image is a greyscale image, as {@link #read} refuses it.
     *
     * @param image the image
     * @return true for a grey colour space or a palette of greys only
     */
    public static boolean isGreyscale(BufferedImage image) {
        return greyness(Objects.requireNonNull(image, "image")) != null;
    }

    /** Why the image is greyscale, or null when it is not. */
    private static String greyness(BufferedImage image) {
        ColorModel cm = image.getColorModel();
        if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            return "a grey colour space";
        }
        if (cm instanceof IndexColorModel icm) {
            for (int i = 0; i < icm.getMapSize(); i++) {
                if (icm.getRed(i) != icm.getGreen(i) || icm.getGreen(i) != icm.getBlue(i)) {
                    return null;
                }
            }
            return "a palette of greys only";
        }
        return null;
    }

    /**
     * Converts an image already in memory by rules 2 to 4 of the class description (a greyscale
     * image is converted too, to three equal planes: {@link #read} refuses it before this step).
     *
     * @param image the image, any size up to {@value DigitImages#MAX_IMAGE_SIDE} per side
     * @param rows  the output height, 1..{@value DigitImages#MAX_OUTPUT_SIDE}
     * @param cols  the output width, 1..{@value DigitImages#MAX_OUTPUT_SIDE}
     * @return {@code 3*rows*cols} unsigned bytes: the R plane, then G, then B, each row-major
     * @throws IllegalArgumentException when {@code rows} or {@code cols} is out of range, or the
     *                                  image has a side over {@value DigitImages#MAX_IMAGE_SIDE} pixels
     */
    public static byte[] convert(BufferedImage image, int rows, int cols) {
        Objects.requireNonNull(image, "image");
        DigitImages.checkOutputSize(rows, cols);
        int w = image.getWidth();
        int h = image.getHeight();
        DigitImages.checkImageSize(w, h, "image");
        int[][] planes = new int[CHANNELS][w * h];
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, argb, 0, w); // sRGB, not premultiplied
            for (int x = 0; x < w; x++) {
                int p = argb[x];
                int a = p >>> 24;
                for (int c = 0; c < CHANNELS; c++) {
                    int v = (p >> (16 - 8 * c)) & 0xff;
                    // over white; exact for an opaque pixel
                    planes[c][y * w + x] = a == 255 ? v : (int) Math.round((a * v + (255 - a) * 255) / 255.0);
                }
            }
        }
        int nw = w;
        int nh = h;
        if (w != cols || h != rows) {
            // cover rows x cols: the side that needs the larger scale becomes exact
            if ((long) cols * h >= (long) rows * w) {
                nw = cols;
                nh = Math.max(rows, (int) Math.rint((double) cols / w * h));
            } else {
                nh = rows;
                nw = Math.max(cols, (int) Math.rint((double) rows / h * w));
            }
        }
        int x0 = (nw - cols) / 2;
        int y0 = (nh - rows) / 2;
        byte[] out = new byte[CHANNELS * rows * cols];
        for (int c = 0; c < CHANNELS; c++) {
            int[] plane = nw == w && nh == h ? planes[c] : PillowBilinear.resize(planes[c], w, h, nw, nh);
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    out[(c * rows + y) * cols + x] = (byte) plane[(y0 + y) * nw + x0 + x];
                }
            }
        }
        return out;
    }
}
