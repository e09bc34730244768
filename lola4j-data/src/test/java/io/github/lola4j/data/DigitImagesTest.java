package io.github.lola4j.data;

import io.github.lola4j.nn.LabeledImages;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitImagesTest {

    private static final LabeledImages SAMPLE = Mnist.embeddedSample();

    @TempDir
    Path tmp;

    @Test
    void mnistImageSavedAsGreyPngRoundTrips() throws IOException {
        for (int i = 0; i < SAMPLE.count(); i++) {
            byte[] original = SAMPLE.rawImage(i);
            Path file = tmp.resolve("grey" + i + ".png");
            write(grey8(original, 28, 28), file);
            assertArrayEquals(original, DigitImages.read(file, 28, 28), "image " + i);
        }
    }

    @Test
    void mnistImageSavedAsSixteenBitGreyPngRoundTrips() throws IOException {
        for (int i = 0; i < 10; i++) {
            byte[] original = SAMPLE.rawImage(i);
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
            WritableRaster r = img.getRaster();
            for (int k = 0; k < original.length; k++) {
                r.setSample(k % 28, k / 28, 0, (original[k] & 0xff) * 257);
            }
            Path file = tmp.resolve("grey16-" + i + ".png");
            write(img, file);
            assertArrayEquals(original, DigitImages.read(file, 28, 28), "image " + i);
        }
    }

    @Test
    void invertedRgbPngIsDetectedAndInvertedBack() throws IOException {
        for (int i = 0; i < 10; i++) {
            byte[] original = SAMPLE.rawImage(i);
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
            for (int k = 0; k < original.length; k++) {
                int v = 255 - (original[k] & 0xff);
                img.setRGB(k % 28, k / 28, (v << 16) | (v << 8) | v);
            }
            Path file = tmp.resolve("inverted" + i + ".png");
            write(img, file);
            assertArrayEquals(original, DigitImages.read(file, 28, 28), "image " + i);
        }
    }

    /**
     * Measured on the 100 sample images: 78 come back byte for byte (when the thresholded box's
     * longer side is 20, scaling 80 -> 20 averages exactly the 4x4 blocks of the upscale); the
     * others lose faint pixels (at most 10% of the maximum) lying outside the thresholded box,
     * which also nudges the centre of mass: mean absolute difference 0.16 over all 100, worst
     * 14.6 for one image (63) whose MNIST centre of mass sits exactly on a half pixel and so lands
     * one column over; with a one-pixel shift allowed the worst is 0.34. The bounds below leave
     * about a factor of 3 of slack.
     */
    @Test
    void fourTimesUpscaledImageComesBackCloseToTheOriginal() throws IOException {
        double totalMad = 0;
        int exact = 0;
        for (int i = 0; i < SAMPLE.count(); i++) {
            byte[] original = SAMPLE.rawImage(i);
            byte[] big = new byte[112 * 112];
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 112; x++) {
                    big[y * 112 + x] = original[(y / 4) * 28 + x / 4];
                }
            }
            Path file = tmp.resolve("big" + i + ".png");
            write(grey8(big, 112, 112), file);
            byte[] back = DigitImages.read(file, 28, 28);

            double mad = meanAbsDiff(original, back, 0, 0);
            totalMad += mad;
            if (mad == 0) {
                exact++;
            }
            double bestShifted = Double.MAX_VALUE;
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    bestShifted = Math.min(bestShifted, meanAbsDiff(original, back, dy, dx));
                }
            }
            assertTrue(bestShifted < 1.0, "image " + i + ": mean abs difference " + bestShifted
                    + " even allowing a one-pixel shift");
            double[] com = centreOfMass(back, 28, 28);
            assertEquals(14, com[0], 1.0, "image " + i + " centre row");
            assertEquals(14, com[1], 1.0, "image " + i + " centre column");
        }
        double meanMad = totalMad / SAMPLE.count();
        assertTrue(meanMad < 0.5, "mean absolute difference " + meanMad);
        assertTrue(exact >= 70, exact + " of 100 exact");
    }

    @Test
    void blackDigitOnTransparentBackgroundComesOutLightOnDarkAndCentred() throws IOException {
        BufferedImage img = new BufferedImage(200, 100, BufferedImage.TYPE_INT_ARGB); // all transparent
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(20, 15, 30, 70); // x 20..49, y 15..84: off centre, 30 wide, 70 tall
        g.dispose();
        Path file = tmp.resolve("transparent.png");
        write(img, file);
        byte[] out = DigitImages.read(file, 28, 28);

        // The 70x30 box scales to 20x9 (9 = round(30 * 20 / 70)); every output pixel is fully
        // covered by ink, so the digit is a solid block of 255 and everything else is 0.
        int[] box = boundingBox(out, 28, 28);
        int height = box[2] - box[0] + 1;
        int width = box[3] - box[1] + 1;
        assertEquals(20, Math.max(height, width));
        assertEquals(20, height);
        assertEquals(9, width);
        int full = 0;
        for (int k = 0; k < out.length; k++) {
            int v = out[k] & 0xff;
            assertTrue(v == 0 || v == 255, "pixel " + k + " = " + v);
            full += v == 255 ? 1 : 0;
        }
        assertEquals(20 * 9, full);
        assertEquals(0, out[0]);
        double[] com = centreOfMass(out, 28, 28);
        assertEquals(14, com[0], 1.0);
        assertEquals(14, com[1], 1.0);
    }

    @Test
    void translucentPixelIsCompositedOverWhiteByItsAlpha() {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(5, 7, 0x80000000); // black, alpha 128/255
        img.setRGB(6, 7, 0xFF000000); // opaque black
        img.setRGB(7, 7, 0xFFFF0000); // opaque red: luminance 0.299 * 255 = 76.2
        byte[] out = DigitImages.convert(img, 28, 28);
        // Over white: 255 * (1 - 128/255) = 127, inverted 128.
        assertEquals(128, out[7 * 28 + 5] & 0xff);
        assertEquals(255, out[7 * 28 + 6] & 0xff);
        assertEquals(179, out[7 * 28 + 7] & 0xff); // 255 - 76.245 = 178.755
        assertEquals(0, out[0] & 0xff);
    }

    @Test
    void greyWithAlphaPngIsCompositedOverWhiteToo() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        BufferedImage img = new BufferedImage(cm, cm.createCompatibleWritableRaster(28, 28), false, null);
        WritableRaster r = img.getRaster(); // band 0 grey, band 1 alpha; all 0: transparent
        r.setSample(3, 4, 1, 128); // black at alpha 128/255
        r.setSample(5, 4, 0, 100); // grey 100, opaque
        r.setSample(5, 4, 1, 255);
        Path file = tmp.resolve("grey-alpha.png");
        write(img, file);
        assertTrue(ImageIO.read(file.toFile()).getColorModel().hasAlpha(), "PNG kept no alpha");
        byte[] out = DigitImages.read(file, 28, 28);
        assertEquals(128, out[4 * 28 + 3] & 0xff); // 255 - 255 * (1 - 128/255)
        assertEquals(155, out[4 * 28 + 5] & 0xff);
        assertEquals(0, out[0] & 0xff);
    }

    @Test
    void areaAveragingUsesFractionalCoverage() {
        // A 30x30 box whose column x has value 30 + 5x, on black; it scales to 20x20, so each
        // output column covers 1.5 source columns: column 2k averages v(3k) with half of v(3k+1),
        // column 2k+1 half of v(3k+1) with v(3k+2).
        BufferedImage img = new BufferedImage(50, 50, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        for (int y = 10; y < 40; y++) {
            for (int x = 10; x < 40; x++) {
                r.setSample(x, y, 0, 30 + 5 * (x - 10));
            }
        }
        byte[] out = DigitImages.convert(img, 28, 28);
        int[] box = boundingBox(out, 28, 28);
        assertEquals(19, box[2] - box[0]);
        assertEquals(19, box[3] - box[1]);
        int[] expected = new int[20];
        for (int t = 0; t < 20; t++) {
            int k = t / 2;
            double v = t % 2 == 0
                    ? (30 + 15 * k + 0.5 * (35 + 15 * k)) / 1.5
                    : (0.5 * (35 + 15 * k) + (40 + 15 * k)) / 1.5;
            expected[t] = (int) Math.round(v);
        }
        assertEquals(32, expected[0]); // (30 + 17.5) / 1.5 = 31.67
        assertEquals(38, expected[1]); // (17.5 + 40) / 1.5 = 38.33
        for (int row = box[0]; row <= box[2]; row++) {
            int[] got = new int[20];
            for (int t = 0; t < 20; t++) {
                got[t] = out[row * 28 + box[1] + t] & 0xff;
            }
            assertArrayEquals(expected, got, "row " + row);
        }
    }

    @Test
    void outputSizeOtherThan28ScalesTheLongerSideProportionally() {
        BufferedImage img = new BufferedImage(100, 100, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(40, 10, 20, 80);
        g.dispose();
        byte[] out = DigitImages.convert(img, 20, 40); // longer side round(20/28 * 20) = 14
        int[] box = boundingBox(out, 20, 40);
        assertEquals(14, box[2] - box[0] + 1);
        assertEquals(4, box[3] - box[1] + 1); // round(20 * 14 / 80) = 4 (3.5 rounds up)
    }

    @Test
    void blankImagesGiveAllZeros() throws IOException {
        BufferedImage white = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = white.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 50, 40);
        g.dispose();
        Path file = tmp.resolve("white.png");
        write(white, file);
        assertArrayEquals(new byte[28 * 28], DigitImages.read(file, 28, 28));
        BufferedImage black = new BufferedImage(50, 40, BufferedImage.TYPE_BYTE_GRAY);
        assertArrayEquals(new byte[28 * 28], DigitImages.convert(black, 28, 28));
        // Faint noise (never above 10 of 255) is blank too, not an amplified smudge.
        black.getRaster().setSample(25, 20, 0, 9);
        assertArrayEquals(new byte[28 * 28], DigitImages.convert(black, 28, 28));
    }

    @Test
    void truncatedPngIsAnIoExceptionNamingTheFile() throws IOException {
        Path good = tmp.resolve("good.png");
        write(grey8(SAMPLE.rawImage(0), 28, 28), good);
        byte[] bytes = Files.readAllBytes(good);
        Path file = tmp.resolve("truncated.png");
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> DigitImages.read(file, 28, 28));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void textFileIsNotAnImage() throws IOException {
        Path file = tmp.resolve("digit.txt");
        Files.writeString(file, "this is not a picture of a seven\n", StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> DigitImages.read(file, 28, 28));
        assertEquals("not an image ImageIO can read: " + file, e.getMessage());
        Path missing = tmp.resolve("missing.png");
        NoSuchFileException m = assertThrows(NoSuchFileException.class, () -> DigitImages.read(missing, 28, 28));
        assertTrue(m.getMessage().contains(missing.toString()), m.getMessage());
    }

    @Test
    void badSizesAreRefusedNamingTheParameter() throws IOException {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> DigitImages.convert(img, 0, 28));
        assertTrue(rows.getMessage().startsWith("rows = 0"), rows.getMessage());
        IllegalArgumentException cols = assertThrows(IllegalArgumentException.class,
                () -> DigitImages.convert(img, 28, 4097));
        assertTrue(cols.getMessage().startsWith("cols = 4097"), cols.getMessage());
        Path file = tmp.resolve("ok.png");
        write(img, file);
        IllegalArgumentException readRows = assertThrows(IllegalArgumentException.class,
                () -> DigitImages.read(file, 0, 28));
        assertTrue(readRows.getMessage().startsWith("rows = 0"), readRows.getMessage());

        BufferedImage wide = new BufferedImage(16385, 1, BufferedImage.TYPE_BYTE_GRAY);
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> DigitImages.convert(wide, 28, 28));
        assertTrue(big.getMessage().contains("16385x1"), big.getMessage());
        Path wideFile = tmp.resolve("wide.png");
        write(wide, wideFile);
        IllegalArgumentException bigFile = assertThrows(IllegalArgumentException.class,
                () -> DigitImages.read(wideFile, 28, 28));
        assertTrue(bigFile.getMessage().contains(wideFile.toString()), bigFile.getMessage());
        assertTrue(bigFile.getMessage().contains("16385x1"), bigFile.getMessage());
        // The largest side accepted still converts (a thin white line on black).
        BufferedImage widest = new BufferedImage(16384, 2, BufferedImage.TYPE_BYTE_GRAY);
        widest.getRaster().setSample(100, 0, 0, 255);
        byte[] out = DigitImages.convert(widest, 28, 28);
        assertEquals(255, out[14 * 28 + 14] & 0xff);
    }

    @Test
    void asLabeledImagesWrapsOneImage() {
        byte[] pixels = SAMPLE.rawImage(0);
        LabeledImages one = DigitImages.asLabeledImages("seven.png", pixels, 28, 28, 7);
        assertEquals("seven.png", one.name());
        assertEquals(1, one.count());
        assertEquals(28, one.rows());
        assertEquals(28, one.cols());
        assertEquals(10, one.classes());
        assertEquals(7, one.label(0));
        assertArrayEquals(pixels, one.rawImage(0));
        pixels[0] = 1; // copied
        assertEquals(0, one.pixel(0, 0, 0));
        assertEquals(0, DigitImages.asLabeledImages("x", pixels, 28, 28, 0).label(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DigitImages.asLabeledImages("x", SAMPLE.rawImage(0), 28, 28, 10));
        assertTrue(e.getMessage().startsWith("label = 10"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DigitImages.asLabeledImages("x", new byte[10], 28, 28, 0));
    }

    private static BufferedImage grey8(byte[] pixels, int rows, int cols) {
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        for (int k = 0; k < pixels.length; k++) {
            r.setSample(k % cols, k / cols, 0, pixels[k] & 0xff);
        }
        return img;
    }

    private static void write(BufferedImage img, Path file) throws IOException {
        assertTrue(ImageIO.write(img, "png", file.toFile()), "no PNG writer for " + img);
    }

    /** Mean |a[r+dy][c+dx] - b[r][c]| over the 28x28 canvas, 0 outside a. */
    private static double meanAbsDiff(byte[] a, byte[] b, int dy, int dx) {
        double sum = 0;
        for (int r = 0; r < 28; r++) {
            for (int c = 0; c < 28; c++) {
                int rr = r + dy;
                int cc = c + dx;
                int va = rr >= 0 && rr < 28 && cc >= 0 && cc < 28 ? a[rr * 28 + cc] & 0xff : 0;
                sum += Math.abs(va - (b[r * 28 + c] & 0xff));
            }
        }
        return sum / (28 * 28);
    }

    /** Centre of mass in pixel indices: {row, column}. */
    private static double[] centreOfMass(byte[] p, int rows, int cols) {
        double m = 0;
        double my = 0;
        double mx = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int v = p[r * cols + c] & 0xff;
                m += v;
                my += v * r;
                mx += v * c;
            }
        }
        assertTrue(m > 0, "blank image");
        return new double[] {my / m, mx / m};
    }

    /** The nonzero pixels' bounding box: {top, left, bottom, right}, inclusive. */
    private static int[] boundingBox(byte[] p, int rows, int cols) {
        int top = rows;
        int left = cols;
        int bottom = -1;
        int right = -1;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (p[r * cols + c] != 0) {
                    top = Math.min(top, r);
                    bottom = Math.max(bottom, r);
                    left = Math.min(left, c);
                    right = Math.max(right, c);
                }
            }
        }
        assertTrue(bottom >= 0, "blank image");
        return new int[] {top, left, bottom, right};
    }

    /** Every real MNIST digit passes; a blank page, a filled shape and a speck are doubted, each saying why. */
    @Test
    void doubtsBlankFilledAndTinyImagesButNoRealDigit() {
        LabeledImages sample = Mnist.embeddedSample();
        for (int i = 0; i < sample.count(); i++) {
            byte[] px = new byte[28 * 28];
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    px[r * 28 + c] = (byte) sample.pixel(i, r, c);
                }
            }
            assertTrue(DigitImages.doubts(px, 28, 28).isEmpty(), "MNIST test image " + i + ": " + DigitImages.doubts(px, 28, 28));
        }
        assertEquals("the image is blank (no strokes): any prediction is a guess",
                DigitImages.doubts(new byte[28 * 28], 28, 28).orElseThrow());
        byte[] faint = new byte[28 * 28];
        Arrays.fill(faint, (byte) 9); // below the ink floor: scanner noise, not strokes
        assertTrue(DigitImages.doubts(faint, 28, 28).orElseThrow().startsWith("the image is blank"));
        byte[] filled = new byte[28 * 28];
        Arrays.fill(filled, 0, 28 * 20, (byte) 200);
        assertEquals("71 % of the image is ink after conversion: it looks like a filled shape or a photograph, not a digit,"
                + " so the prediction may mean little", DigitImages.doubts(filled, 28, 28).orElseThrow());
        byte[] speck = new byte[28 * 28];
        speck[400] = (byte) 255;
        speck[401] = (byte) 255;
        assertEquals("the image has only 2 ink pixels after conversion: too little to be a digit, so the prediction may mean"
                + " little", DigitImages.doubts(speck, 28, 28).orElseThrow());
        // the blank file of the newcomer's walk, through the whole conversion
        BufferedImage white = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = white.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 28, 28);
        g.dispose();
        assertTrue(DigitImages.doubts(DigitImages.convert(white, 28, 28), 28, 28).orElseThrow().startsWith("the image is blank"));
        assertThrows(IllegalArgumentException.class, () -> DigitImages.doubts(new byte[10], 28, 28));
    }
}
